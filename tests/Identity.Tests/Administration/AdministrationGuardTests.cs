using System.Net;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.Contracts.Revocation;
using HealthPlatform.Identity.Administration;
using HealthPlatform.Identity.Tests.Server;
using HealthPlatform.ServiceDefaults.Authorization;
using HealthPlatform.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;

namespace HealthPlatform.Identity.Tests.Administration;

/// <summary>
/// The admin API's own guard against a token without a second factor (with the sign-in rule relaxed,
/// as only Development allows), and elevations that end by themselves when their time is up.
/// </summary>
[Collection(IdentityInfrastructure.Name)]
public sealed class AdministrationGuardTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker)
{
    [Fact]
    public async Task AnAdminsTokenWithoutMfa_IsRefusedByTheAdminApi_403()
    {
        await using var host = await IdentityServerHost.StartAsync(postgres, redis, broker, environment: "Development", settings: _ => new Dictionary<string, string?>
        {
            // Sign-in no longer demands a second factor of admins; the admin API still must.
            ["Identity:Accounts:MfaRequiredRoles:0"] = PlatformRoles.SecurityOfficer,
        });
        await AdminSession.RegisterConsoleAsync(host);
        await host.CreateUserAsync("admin.nomfa", AdminSession.Password, role: PlatformRoles.Admin);
        var session = new AdminSession(host);

        var token = await session.TokenAsync("admin.nomfa", authenticatorKey: null);
        using var refused = await session.SendAsync(HttpMethod.Get, "/admin/users", token);

        Assert.Equal(["pwd"], new JsonWebToken(token).GetPayloadValue<string[]>("amr"));
        Assert.Equal(PlatformRoles.Admin, new JsonWebToken(token).GetClaim("role").Value);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task OutsideDevelopment_TheMfaRuleCannotBeRelaxed()
    {
        var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => IdentityServerHost.StartAsync(postgres, redis, broker, settings: _ => new Dictionary<string, string?>
        {
            ["Identity:Accounts:MfaRequiredRoles:0"] = PlatformRoles.SecurityOfficer,
        }));

        Assert.Contains("must include admin and security-officer outside Development", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnElevation_ExpiresByItself_AuditedOnce_AndTheUsersTokensAreRevoked()
    {
        var clock = new ShiftedTime();
        await using var host = await IdentityServerHost.StartAsync(
            postgres,
            redis,
            broker,
            settings: _ => new Dictionary<string, string?> { ["Identity:Elevation:CheckInterval"] = "00:00:00.200" },
            configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));
        await AdminSession.RegisterConsoleAsync(host);
        var admin = await host.CreateUserAsync("admin.jit", AdminSession.Password, role: PlatformRoles.Admin);
        var (key, _) = await host.EnrolAuthenticatorAsync(admin);
        var session = new AdminSession(host);
        var nurse = await host.CreateUserAsync("nurse.jit", AdminSession.Password, role: PlatformRoles.Nurse);
        var audit = new AuditQueueProbe(broker);
        await audit.PurgeAsync();

        using var granted = await session.SendAsync(HttpMethod.Post, $"/admin/users/{nurse.Id}/elevations", await session.TokenAsync("admin.jit", key), new
        {
            role = PlatformRoles.SecurityOfficer,
            minutes = 10,
            reason = "Reviewing the audit log for incident INC-0815",
        });
        Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        var grant = await audit.WaitForAsync<SecurityEventRecorded>(e => e.Kind == SecurityEventKind.ElevationGranted);
        Assert.Equal((nurse.Id, PlatformRoles.SecurityOfficer, "Reviewing the audit log for incident INC-0815", admin.Id), (grant.TargetUserId, grant.Role, grant.Reason, grant.Actor.UserId));
        Assert.Contains(PlatformRoles.SecurityOfficer, await RolesOfAsync(host, nurse));

        clock.Advance(TimeSpan.FromMinutes(11));

        var expiry = await audit.WaitForAsync<SecurityEventRecorded>(e => e.Kind == SecurityEventKind.ElevationExpired);
        Assert.Equal((nurse.Id, PlatformRoles.SecurityOfficer), (expiry.TargetUserId, expiry.Role));
        Assert.Equal([PlatformRoles.Nurse], await RolesOfAsync(host, nurse));
        await using var scope = host.Services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<HealthPlatform.Identity.Infrastructure.IdentityDbContext>();
        Assert.True(await database.AccessRevocations.AnyAsync(revocation => revocation.Scope == RevocationScope.Subject && revocation.Value == nurse.Id));
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<ElevationExpiry>().EndExpiredAsync(CancellationToken.None));
    }

    private static async Task<IReadOnlyList<string>> RolesOfAsync(IdentityServerHost host, HealthPlatform.Identity.Users.PlatformUser user)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<EffectiveRoles>().OfAsync(user, CancellationToken.None);
    }
}
