using System.Security.Cryptography;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.Identity.SigningKeys;
using HealthPlatform.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace HealthPlatform.Identity.Tests.SigningKeys;

/// <summary>The signing key schedule on a real identity database, with a clock the tests move.</summary>
public sealed class SigningKeyRingTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>, IAsyncLifetime
{
    private static readonly SigningKeyOptions Schedule = new()
    {
        ProtectionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        RotationPeriod = TimeSpan.FromDays(30),
        PrePublication = TimeSpan.FromHours(1),
        Retention = TimeSpan.FromHours(2),
    };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero));
    private ServiceProvider? _services;

    public async Task InitializeAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        _services = Services(connectionString, Schedule);
        await using var scope = _services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IdentityDbContext>().Database.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }

    [Fact]
    public async Task OnFirstStart_OneKeyIsCreated_ThatSignsAtOnce()
    {
        var keys = await Ring().MaintainAsync(CancellationToken.None);

        var only = Assert.Single(keys.Published);
        Assert.Equal(only.KeyId, keys.Signing.KeyId);
        Assert.Equal(_time.GetUtcNow() + Schedule.RotationPeriod, keys.Signing.RetiresAt);
        Assert.True(Verifies(keys.Signing.Key));
    }

    [Fact]
    public async Task BeforeAKeyRetires_ItsSuccessorIsPublishedFirst_ThenSigns_AndTheOldKeyStaysForTheRetention()
    {
        var first = (await Ring().MaintainAsync(CancellationToken.None)).Signing;

        _time.SetUtcNow(first.RetiresAt - Schedule.PrePublication - TimeSpan.FromMinutes(1));
        var early = await Ring().MaintainAsync(CancellationToken.None);
        Assert.Single(early.Published);

        _time.SetUtcNow(first.RetiresAt - Schedule.PrePublication + TimeSpan.FromMinutes(1));
        var prepublished = await Ring().MaintainAsync(CancellationToken.None);
        Assert.Equal(first.KeyId, prepublished.Signing.KeyId);
        var successor = Assert.Single(prepublished.Published, key => key.KeyId != first.KeyId);
        Assert.Equal(first.RetiresAt, successor.ActivatesAt);

        _time.SetUtcNow(first.RetiresAt + TimeSpan.FromMinutes(1));
        var rotated = await Ring().MaintainAsync(CancellationToken.None);
        Assert.Equal(successor.KeyId, rotated.Signing.KeyId);
        Assert.Contains(rotated.Published, key => key.KeyId == first.KeyId);

        _time.SetUtcNow(first.RetiresAt + Schedule.Retention + TimeSpan.FromMinutes(1));
        var retained = await Ring().MaintainAsync(CancellationToken.None);
        Assert.Equal(successor.KeyId, Assert.Single(retained.Published).KeyId);
        Assert.Equal(1, await CountAsync());
    }

    [Fact]
    public async Task TwoReplicasMaintainingAtOnce_CreateOneKey()
    {
        await using var other = Services(await ConnectionStringAsync(), Schedule);

        var results = await Task.WhenAll(
            Ring().MaintainAsync(CancellationToken.None),
            new SigningKeyRing(other.GetRequiredService<IServiceScopeFactory>(), Options.Create(Schedule), _time).MaintainAsync(CancellationToken.None));

        Assert.Equal(results[0].Signing.KeyId, results[1].Signing.KeyId);
        Assert.Equal(1, await CountAsync());
    }

    [Fact]
    public async Task PrivateKeys_AreEncryptedAtRest_AndUnreadableWithAnotherProtectionKey()
    {
        var keys = await Ring().MaintainAsync(CancellationToken.None);
        var privateKey = keys.Signing.Key.ECDsa.ExportPkcs8PrivateKey();
        await using (var scope = _services!.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<IdentityDbContext>().Set<SigningKeyRecord>().SingleAsync();
            Assert.False(stored.ProtectedPrivateKey.AsSpan().IndexOf(privateKey.AsSpan(privateKey.Length - 32)) >= 0);
        }

        var stranger = new SigningKeyOptions
        {
            ProtectionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            RotationPeriod = Schedule.RotationPeriod,
            PrePublication = Schedule.PrePublication,
            Retention = Schedule.Retention,
        };
        var ring = new SigningKeyRing(_services!.GetRequiredService<IServiceScopeFactory>(), Options.Create(stranger), _time);

        await Assert.ThrowsAnyAsync<CryptographicException>(() => ring.MaintainAsync(CancellationToken.None));
    }

    private static bool Verifies(ECDsaSecurityKey key)
    {
        var data = RandomNumberGenerator.GetBytes(64);
        var signature = key.ECDsa.SignData(data, HashAlgorithmName.SHA256);
        using var publicOnly = ECDsa.Create(key.ECDsa.ExportParameters(includePrivateParameters: false));
        return publicOnly.VerifyData(data, signature, HashAlgorithmName.SHA256);
    }

    private static ServiceProvider Services(string connectionString, SigningKeyOptions schedule)
    {
        var services = new ServiceCollection();
        services.AddDbContext<IdentityDbContext>(options => options.UseNpgsql(connectionString, npgsql => npgsql.EnableRetryOnFailure(3)));
        services.AddSingleton(Options.Create(schedule));
        return services.BuildServiceProvider();
    }

    private SigningKeyRing Ring() => new(_services!.GetRequiredService<IServiceScopeFactory>(), Options.Create(Schedule), _time);

    private async Task<string> ConnectionStringAsync()
    {
        await using var scope = _services!.CreateAsyncScope();
        return scope.ServiceProvider.GetRequiredService<IdentityDbContext>().Database.GetConnectionString()!;
    }

    private async Task<int> CountAsync()
    {
        await using var scope = _services!.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IdentityDbContext>().Set<SigningKeyRecord>().CountAsync();
    }
}
