// Postgres, Redis and RabbitMQ are started from Debian packages: this benchmark runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
