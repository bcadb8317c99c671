using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Clients;

/// <summary>
/// Refuses a <c>private_key_jwt</c> assertion that lives too long or was seen before: its
/// <c>exp</c> may be at most <see cref="Server.AuthorizationServerOptions.ClientAssertionMaxLifetime"/>
/// ahead, it must carry a <c>jti</c>, and that <c>jti</c> is remembered in Redis (shared by every
/// replica) until the assertion could no longer be accepted anyway. When Redis cannot answer,
/// assertions are refused rather than let through unchecked.
/// </summary>
internal sealed partial class ClientAssertionReplay(
    IConnectionMultiplexer redis,
    TimeProvider time,
    IOptions<Server.AuthorizationServerOptions> settings,
    ILogger<ClientAssertionReplay> logger) : IOpenIddictServerHandler<OpenIddictServerEvents.ProcessAuthenticationContext>
{
    /// <summary>Clock drift allowed between client and server on <c>exp</c>.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>Set on the transaction once an assertion passed every check: later refusals are about the request, not the client.</summary>
    public const string AcceptedProperty = ".healthplatform_client_assertion_accepted";

    private const string OpenIddictClaimPrefix = "oi_";

    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    // OpenIddict accepts an assertion up to its own clock skew past exp: remember the jti at least that long.
    private static readonly TimeSpan AcceptedPastExpiry = TokenValidationParameters.DefaultClockSkew;

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor
        .CreateBuilder<OpenIddictServerEvents.ProcessAuthenticationContext>()
        .AddFilter<OpenIddictServerHandlerFilters.RequireClientAssertionPrincipal>()
        .UseSingletonHandler<ClientAssertionReplay>()
        .SetOrder(OpenIddictServerHandlers.ValidateClientAssertionIssuer.Descriptor.Order + 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(OpenIddictServerEvents.ProcessAuthenticationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var assertion = context.ClientAssertionPrincipal!;
        var raw = new JsonWebToken(context.ClientAssertion);
        if (raw.Claims.Any(claim => claim.Type.StartsWith(OpenIddictClaimPrefix, StringComparison.Ordinal)))
        {
            // OpenIddict reads its private claims (oi_exp_dt, oi_aud…) in preference to the standard
            // ones: an assertion carrying them could claim one expiry here and another to OpenIddict.
            context.Reject(Errors.InvalidClient, "The client assertion carries reserved claims.");
            return;
        }

        var now = time.GetUtcNow();
        DateTimeOffset? expires = raw.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out var exp) ? DateTimeOffset.FromUnixTimeSeconds(exp) : null;
        if (expires is null || expires > now + settings.Value.ClientAssertionMaxLifetime + ClockSkew)
        {
            context.Reject(Errors.InvalidClient, $"The client assertion must expire within {settings.Value.ClientAssertionMaxLifetime.TotalMinutes:0} minutes.");
            return;
        }

        var id = assertion.GetClaim(Claims.JwtId);
        if (string.IsNullOrEmpty(id))
        {
            context.Reject(Errors.InvalidClient, "The client assertion must carry a jti.");
            return;
        }

        var key = KeyOf(assertion.GetClaim(Claims.Issuer) ?? string.Empty, id);
        var remember = expires.Value - now + AcceptedPastExpiry;
        bool first;
        try
        {
            // Bounded: while disconnected the multiplexer queues commands; a token request must not wait on it.
            first = await redis.GetDatabase().StringSetAsync(key, 1, remember, When.NotExists).WaitAsync(CheckTimeout, context.CancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogReplayCacheUnavailable(logger, ex.GetType().Name);
            context.Reject(Errors.ServerError, "The client assertion could not be checked for replay; try again.");
            return;
        }

        if (!first)
        {
            context.Reject(Errors.InvalidClient, "The client assertion was already used (jti replay).");
            return;
        }

        context.Transaction.Properties[AcceptedProperty] = true;
    }

    // Hashed: a jti is the client's string, of any length and content.
    private static RedisKey KeyOf(string clientId, string jti) =>
        "identity:client-assertion:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(clientId + "\n" + jti)));

    [LoggerMessage(Level = LogLevel.Error, Message = "Client assertions are refused: the replay cache (Redis) is unavailable ({Error}).")]
    private static partial void LogReplayCacheUnavailable(ILogger logger, string error);
}
