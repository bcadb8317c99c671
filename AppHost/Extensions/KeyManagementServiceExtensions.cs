using System.Security.Cryptography;
using HealthPlatform.LocalInfrastructure;
using Microsoft.Extensions.Hosting;

namespace HealthPlatform.AppHost.Extensions;

internal static class KeyManagementServiceExtensions
{
    /// <summary>
    /// DEV ONLY: the key-management root key, generated once into the development folder
    /// (owner-only, never committed) and kept, because the database keeps the keys it encrypted.
    /// Elsewhere mount it as a secret (<c>KeyManagement__RootKey</c>) or put an HSM behind
    /// <c>IRootKeyProvider</c>. The tombstone journal of destroyed subject keys goes beside it,
    /// outside the database (elsewhere: a volume database backups do not include).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDevelopmentRootKey(this IResourceBuilder<ProjectResource> keyManagement, DevelopmentPki pki)
    {
        ArgumentNullException.ThrowIfNull(keyManagement);
        ArgumentNullException.ThrowIfNull(pki);
        if (!keyManagement.ApplicationBuilder.Environment.IsDevelopment())
        {
            throw new InvalidOperationException("The generated root key is for Development only; mount KeyManagement__RootKey from a secret elsewhere.");
        }

        var keyFile = Path.Combine(pki.RootDirectory, "key-management-root.key");
        if (!File.Exists(keyFile))
        {
            Secrets.WriteOwnerOnly(keyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }

        return keyManagement
            .WithEnvironment("KeyManagement__RootKey", File.ReadAllText(keyFile).Trim())
            .WithEnvironment("KeyManagement__TombstoneJournal", Path.Combine(Path.GetDirectoryName(pki.RootDirectory)!, "key-management-tombstones.jsonl"));
    }
}
