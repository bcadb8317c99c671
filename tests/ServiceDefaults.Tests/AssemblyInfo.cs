// These tests start real servers from the Linux packages.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
