// These tests start real servers from the Linux packages.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// Test classes pick free ports and start servers; run them one after another so that no two
// race for the same port.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
