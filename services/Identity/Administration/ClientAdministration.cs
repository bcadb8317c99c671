using System.Security.Cryptography;
using System.Text.Json.Serialization;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.Identity.Clients;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.Identity.Revocations;
using HealthPlatform.ServiceDefaults.Audit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;

namespace HealthPlatform.Identity.Administration;

/// <summary>A Business Associate Agreement as recorded through the admin API.</summary>
public sealed record AgreementRequest
{
    [JsonPropertyName("signed_by")]
    public string? SignedBy { get; init; }

    [JsonPropertyName("signed_on")]
    public DateOnly? SignedOn { get; init; }

    [JsonPropertyName("document_reference")]
    public string? DocumentReference { get; init; }
}

/// <summary>Why, in the administrator's words (revocations).</summary>
public sealed record ReasonRequest
{
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }
}

/// <summary>
/// The client registry: register, update, disable and enable clients, record Business Associate
/// Agreements, and revoke everything a client holds. Every change is audited with the administrator.
/// </summary>
internal static class ClientAdministration
{
    public static RouteGroupBuilder MapClientAdministration(this RouteGroupBuilder admin)
    {
        admin.MapGet("/clients", ListAsync);
        admin.MapPost("/clients", RegisterAsync);
        admin.MapPut("/clients/{clientId}", UpdateAsync);
        admin.MapPost("/clients/{clientId}/disable", (HttpContext context, string clientId, ReasonRequest? body, IOpenIddictApplicationManager applications, AccessRevocations revocations, IAuditTrail trail) =>
            SetDisabledAsync(context, clientId, disabled: true, body?.Reason, applications, revocations, trail));
        admin.MapPost("/clients/{clientId}/enable", (HttpContext context, string clientId, IOpenIddictApplicationManager applications, AccessRevocations revocations, IAuditTrail trail) =>
            SetDisabledAsync(context, clientId, disabled: false, reason: null, applications, revocations, trail));
        admin.MapPost("/clients/{clientId}/agreements", RecordAgreementAsync);
        admin.MapPost("/clients/{clientId}/revocations", RevokeAsync);
        return admin;
    }

    private static async Task<Ok<List<ClientSummary>>> ListAsync(IOpenIddictApplicationManager applications, IdentityDbContext database, CancellationToken cancellationToken)
    {
        var agreements = (await database.BusinessAssociateAgreements.AsNoTracking().ToListAsync(cancellationToken))
            .ToLookup(agreement => agreement.ClientId, StringComparer.Ordinal);
        var clients = new List<ClientSummary>();
        await foreach (var application in applications.ListAsync(count: 1000, offset: 0, cancellationToken))
        {
            var clientId = (await applications.GetClientIdAsync(application, cancellationToken))!;
            var settings = await applications.GetSettingsAsync(application, cancellationToken);
            clients.Add(new ClientSummary(
                clientId,
                await applications.GetDisplayNameAsync(application, cancellationToken),
                await applications.GetClientTypeAsync(application, cancellationToken),
                ClientSettings.IsSet(settings, ClientSettings.ThirdParty),
                ClientSettings.IsSet(settings, ClientSettings.Disabled),
                [.. agreements[clientId].Select(agreement => new AgreementSummary(agreement.SignedBy, agreement.SignedOn, agreement.DocumentReference, agreement.RecordedAt))]));
        }

        return TypedResults.Ok(clients);
    }

    private static async Task<Results<Created<RegisteredClient>, ValidationProblem, Conflict<ProblemDetailsBody>>> RegisterAsync(
        HttpContext context, ClientRegistration registration, IOpenIddictApplicationManager applications, IAuditTrail trail)
    {
        if (registration.Problems() is { Count: > 0 } problems)
        {
            return TypedResults.ValidationProblem(problems);
        }

        if (await applications.FindByClientIdAsync(registration.ClientId!, context.RequestAborted) is not null)
        {
            return TypedResults.Conflict(new ProblemDetailsBody("A client with this client_id is registered already."));
        }

        // A secret is generated, never chosen, and shown only in this response.
        var secret = registration.UsesSecret ? Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32)) : null;
        await applications.CreateAsync(registration.Describe(secret), context.RequestAborted);
        await trail.AuditAsync(context, SecurityEventKind.ClientRegistered, targetClientId: registration.ClientId, reason: registration.ThirdParty ? "third-party client" : null);
        return TypedResults.Created($"/admin/clients/{registration.ClientId}", new RegisteredClient(registration.ClientId!, secret));
    }

    private static async Task<Results<NoContent, NotFound, ValidationProblem>> UpdateAsync(
        HttpContext context, string clientId, ClientRegistration registration, IOpenIddictApplicationManager applications, IAuditTrail trail)
    {
        if (await applications.FindByClientIdAsync(clientId, context.RequestAborted) is not { } application)
        {
            return TypedResults.NotFound();
        }

        var update = registration with { ClientId = clientId };
        if (update.Problems() is { Count: > 0 } problems)
        {
            return TypedResults.ValidationProblem(problems);
        }

        // The secret (if any) stays as stored (hashed); whether the client is disabled is changed only by disable/enable.
        var current = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(current, application, context.RequestAborted);
        if (update.UsesSecret && current.ClientSecret is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["token_endpoint_auth_method"] = ["This client has no secret; register a new client to use one."] });
        }

        var descriptor = update.Describe(update.UsesSecret ? current.ClientSecret : null);
        if (current.Settings.TryGetValue(ClientSettings.Disabled, out var disabled))
        {
            descriptor.Settings[ClientSettings.Disabled] = disabled;
        }

        await applications.UpdateAsync(application, descriptor, context.RequestAborted);
        await trail.AuditAsync(context, SecurityEventKind.ClientUpdated, targetClientId: clientId);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, NotFound>> SetDisabledAsync(
        HttpContext context, string clientId, bool disabled, string? reason, IOpenIddictApplicationManager applications, AccessRevocations revocations, IAuditTrail trail)
    {
        if (await applications.FindByClientIdAsync(clientId, context.RequestAborted) is not { } application)
        {
            return TypedResults.NotFound();
        }

        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, application, context.RequestAborted);
        if (disabled)
        {
            descriptor.Settings[ClientSettings.Disabled] = "true";
        }
        else
        {
            descriptor.Settings.Remove(ClientSettings.Disabled);
        }

        await applications.PopulateAsync(application, descriptor, context.RequestAborted);
        await applications.UpdateAsync(application, context.RequestAborted);
        if (disabled)
        {
            await revocations.RevokeClientAsync(clientId, AdministrationExtensions.ActorOf(context), reason ?? "client disabled", context.RequestAborted);
        }

        await trail.AuditAsync(context, disabled ? SecurityEventKind.ClientDisabled : SecurityEventKind.ClientUpdated, targetClientId: clientId, reason: disabled ? AuditEventSchema.BoundedReason(reason) : "enabled");
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created, NotFound, ValidationProblem>> RecordAgreementAsync(
        HttpContext context, string clientId, AgreementRequest request, IOpenIddictApplicationManager applications, IdentityDbContext database, IAuditTrail trail, TimeProvider time)
    {
        if (await applications.FindByClientIdAsync(clientId, context.RequestAborted) is null)
        {
            return TypedResults.NotFound();
        }

        var problems = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request.SignedBy is not { Length: > 0 and <= 200 } signedBy || signedBy.Any(char.IsControl))
        {
            problems["signed_by"] = ["Required: who signed for the business associate, at most 200 characters."];
        }

        if (request.SignedOn is not { } signedOn || signedOn > DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime))
        {
            problems["signed_on"] = ["Required: the date it was signed (yyyy-mm-dd), not in the future."];
        }

        if (request.DocumentReference is not { Length: > 0 and <= 500 } reference || reference.Any(char.IsControl))
        {
            problems["document_reference"] = ["Required: where the signed document is kept, at most 500 characters."];
        }

        if (problems.Count > 0)
        {
            return TypedResults.ValidationProblem(problems);
        }

        var agreement = new BusinessAssociateAgreement
        {
            Id = Guid.CreateVersion7(),
            ClientId = clientId,
            SignedBy = request.SignedBy!,
            SignedOn = request.SignedOn!.Value,
            DocumentReference = request.DocumentReference!,
            RecordedBy = AdministrationExtensions.ActorOf(context).UserId!,
            RecordedAt = time.GetUtcNow(),
        };
        database.BusinessAssociateAgreements.Add(agreement);
        await database.SaveChangesAsync(context.RequestAborted);
        await trail.AuditAsync(
            context,
            SecurityEventKind.AgreementRecorded,
            targetClientId: clientId,
            reason: AuditEventSchema.BoundedReason($"BAA signed {agreement.SignedOn:yyyy-MM-dd} by {agreement.SignedBy}; document {agreement.DocumentReference}"));
        return TypedResults.Created($"/admin/clients/{clientId}/agreements/{agreement.Id}");
    }

    private static async Task<Results<Accepted, NotFound>> RevokeAsync(
        HttpContext context, string clientId, ReasonRequest? body, IOpenIddictApplicationManager applications, AccessRevocations revocations)
    {
        if (await applications.FindByClientIdAsync(clientId, context.RequestAborted) is null)
        {
            return TypedResults.NotFound();
        }

        await revocations.RevokeClientAsync(clientId, AdministrationExtensions.ActorOf(context), AuditEventSchema.BoundedReason(body?.Reason), context.RequestAborted);
        return TypedResults.Accepted((string?)null);
    }
}

public sealed record ClientSummary(
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("client_name")] string? ClientName,
    [property: JsonPropertyName("client_type")] string? ClientType,
    [property: JsonPropertyName("third_party")] bool ThirdParty,
    [property: JsonPropertyName("disabled")] bool Disabled,
    [property: JsonPropertyName("agreements")] IReadOnlyList<AgreementSummary> Agreements);

public sealed record AgreementSummary(
    [property: JsonPropertyName("signed_by")] string SignedBy,
    [property: JsonPropertyName("signed_on")] DateOnly SignedOn,
    [property: JsonPropertyName("document_reference")] string DocumentReference,
    [property: JsonPropertyName("recorded_at")] DateTimeOffset RecordedAt);

/// <summary>The registration's answer: the client id, and a generated secret shown this once.</summary>
public sealed record RegisteredClient(
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("client_secret")] string? ClientSecret);

/// <summary>A problem with no field to blame (RFC 9457 <c>detail</c>).</summary>
public sealed record ProblemDetailsBody([property: JsonPropertyName("detail")] string Detail);
