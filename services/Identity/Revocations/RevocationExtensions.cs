namespace HealthPlatform.Identity.Revocations;

public static class RevocationExtensions
{
    /// <summary>The durable revocation list, its publisher and the containment operations (<see cref="AccessRevocations"/>).</summary>
    public static IHostApplicationBuilder AddAccessRevocationList(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddScoped<AccessRevocations>();
        builder.Services.AddSingleton<RevocationPublisher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RevocationPublisher>());
        return builder;
    }
}
