namespace HealthPlatform.Identity.Seed;

public static class DevelopmentSeedExtensions
{
    /// <summary>
    /// DEV ONLY: the demo clients and users (<c>Identity:DevelopmentSeed</c>). Configured outside Development,
    /// the service refuses to start: demo accounts with known credentials must never reach a
    /// real deployment.
    /// </summary>
    public static IHostApplicationBuilder AddDevelopmentSeed(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(DevelopmentSeedOptions.SectionName);
        if (!section.GetSection(nameof(DevelopmentSeedOptions.Clients)).GetChildren().Any()
            && !section.GetSection(nameof(DevelopmentSeedOptions.Users)).GetChildren().Any())
        {
            return builder;
        }

        if (!builder.Environment.IsDevelopment())
        {
            throw new InvalidOperationException($"{DevelopmentSeedOptions.SectionName} (demo clients and users) is for Development only; register clients and users through the admin API elsewhere.");
        }

        builder.Services.AddOptions<DevelopmentSeedOptions>().Bind(section);
        builder.Services.AddSingleton<DevelopmentSeed>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DevelopmentSeed>());
        return builder;
    }
}
