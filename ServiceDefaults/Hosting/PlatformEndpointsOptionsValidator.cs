using System.Net;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Hosting;

/// <summary>Rejects listener settings that would leave a service unreachable or ambiguous.</summary>
public sealed class PlatformEndpointsOptionsValidator : IValidateOptions<PlatformEndpointsOptions>
{
    private const string Section = PlatformEndpointsOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, PlatformEndpointsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (!IPAddress.TryParse(options.BindAddress, out _))
        {
            failures.Add($"{Section}:BindAddress '{options.BindAddress}' is not an IP address.");
        }

        CheckPort(failures, nameof(options.PublicPort), options.PublicPort);
        CheckPort(failures, nameof(options.InternalPort), options.InternalPort);
        CheckPort(failures, nameof(options.ManagementPort), options.ManagementPort);
        CheckPort(failures, nameof(options.MtlsPort), options.MtlsPort);

        if (options.ManagementPort is null or 0)
        {
            failures.Add($"{Section}:ManagementPort is required: health probes are served only there.");
        }

        var ports = new[] { options.PublicPort, options.InternalPort, options.ManagementPort, options.MtlsPort }
            .Where(p => p is > 0)
            .ToList();
        if (ports.Count != ports.Distinct().Count())
        {
            failures.Add($"{Section}:PublicPort, {Section}:InternalPort, {Section}:ManagementPort and {Section}:MtlsPort must differ.");
        }

        if (options.MaxRequestBodySize <= 0)
        {
            failures.Add($"{Section}:MaxRequestBodySize must be a positive number of bytes.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckPort(List<string> failures, string setting, int? port)
    {
        if (port is < 0 or > 65535)
        {
            failures.Add($"{Section}:{setting} {port} is not a TCP port (0-65535).");
        }
    }
}
