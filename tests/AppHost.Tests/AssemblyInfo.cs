// Each end-to-end collection starts the whole platform (~2 GiB, both cores): run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// The end-to-end tests run the Linux packages' servers and read /proc.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
