using Microsoft.AspNetCore.Http;

namespace HealthPlatform.ServiceDefaults.Fhir;

/// <summary>
/// Writes the platform's error answers on FHIR routes as OperationOutcomes instead of
/// ProblemDetails. Registered ahead of the default writer, so status-code pages (401, 403, 404,
/// 405), the exception handler (400, 413, 500) and the rate limiter (429) all come through here.
/// </summary>
internal sealed class OperationOutcomeWriter : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => OperationOutcomes.IsFhirPath(context.HttpContext.Request.Path);

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
        var diagnostics = context.ProblemDetails.Detail ?? context.ProblemDetails.Title ?? $"The request failed with status {status}.";
        await OperationOutcomes.WriteAsync(context.HttpContext, "error", OperationOutcomes.IssueCodeFor(status), diagnostics);
    }
}
