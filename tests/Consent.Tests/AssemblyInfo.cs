// These tests start real servers from the Linux packages.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// Test classes start servers on free ports; run them one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
