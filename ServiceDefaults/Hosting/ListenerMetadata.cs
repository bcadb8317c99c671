namespace HealthPlatform.ServiceDefaults.Hosting;

/// <summary>Endpoint metadata: the route answers only on the named listener.</summary>
public sealed record ListenerMetadata(string Listener);
