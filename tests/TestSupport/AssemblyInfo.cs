// The servers these helpers start come from Linux packages.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
