using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Security;

internal sealed class PlatformCertificateOptionsValidator : IValidateOptions<PlatformCertificateOptions>
{
    private const string Section = PlatformCertificateOptions.SectionName;
    private static readonly string[] Files = ["tls.crt", "tls.key", "ca.crt"];

    public ValidateOptionsResult Validate(string? name, PlatformCertificateOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            return ValidateOptionsResult.Fail($"{Section}:Directory is required: the folder holding tls.crt, tls.key and ca.crt.");
        }

        var missing = Files
            .Where(file => !File.Exists(Path.Combine(options.Directory, file)))
            .ToList();
        if (missing.Count > 0)
        {
            return ValidateOptionsResult.Fail($"{Section}:Directory '{options.Directory}' lacks {string.Join(", ", missing)}.");
        }

        return options.ReloadInterval > TimeSpan.Zero
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{Section}:ReloadInterval must be positive.");
    }
}
