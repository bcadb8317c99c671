using Microsoft.Extensions.Configuration;

namespace HealthPlatform.ServiceDefaults;

public static class ConfigurationExtensions
{
    /// <summary>
    /// Reads <c>ConnectionStrings:{name}</c> or fails start-up with a message naming the setting
    /// (and its environment-variable form), never printing any value.
    /// </summary>
    public static string GetRequiredConnectionString(this IConfiguration configuration, string name)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"Missing setting 'ConnectionStrings:{name}' (environment variable ConnectionStrings__{name}). " +
                "The AppHost sets it when it runs the platform; elsewhere set it in configuration or a mounted secret file.");
        }

        return value;
    }
}
