using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HealthPlatform.Identity.Users;

/// <summary>
/// The identity service's pages: plain server-rendered HTML without script, every value encoded,
/// every form carrying an antiforgery token and a local return URL.
/// </summary>
internal static class AccountPages
{
    private static HtmlEncoder Html => HtmlEncoder.Default;

    public static string Encode(string value) => Html.Encode(value);

    public static ContentHttpResult Render(string title, string body, int statusCode = StatusCodes.Status200OK) => TypedResults.Content(
        $"""
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{Html.Encode(title)} — HealthPlatform</title></head>
        <body>
        <h1>{Html.Encode(title)}</h1>
        {body}
        </body>
        </html>
        """,
        "text/html; charset=utf-8",
        statusCode: statusCode);

    /// <summary>An alert line, or nothing.</summary>
    public static string Alert(string? message) => message is null ? string.Empty : $"<p role=\"alert\">{Html.Encode(message)}</p>";

    /// <summary>A form posting <paramref name="fields"/> (trusted HTML) to <paramref name="action"/>, with the antiforgery token and the return URL.</summary>
    public static string Form(HttpContext context, IAntiforgery antiforgery, string action, string returnUrl, string fields, string submit)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return $"""
            <form method="post" action="{Html.Encode(action)}">
            {Hidden(tokens.FormFieldName, tokens.RequestToken!)}
            {Hidden("returnUrl", returnUrl)}
            {fields}
            <button type="submit" name="action" value="submit">{Html.Encode(submit)}</button>
            </form>
            """;
    }

    public static string Hidden(string name, string value) => $"<input type=\"hidden\" name=\"{Html.Encode(name)}\" value=\"{Html.Encode(value)}\">";

    /// <summary>A link to <paramref name="path"/> that keeps the return URL.</summary>
    public static string Link(string path, string returnUrl, string text) =>
        $"<p><a href=\"{Html.Encode(path + QueryString.Create("returnUrl", returnUrl))}\">{Html.Encode(text)}</a></p>";

    /// <summary>A path on this service, or <c>/</c>: never an absolute, scheme-relative or backslash URL (open redirects).</summary>
    public static string LocalPathOrRoot(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl)
            ? url
            : "/";

    /// <summary>
    /// The posted form, if the post is a form with a valid antiforgery token (a cross-site post has
    /// none); otherwise null, and the caller answers 400 with nothing changed.
    /// </summary>
    public static async Task<IFormCollection?> ValidFormAsync(HttpContext context, IAntiforgery antiforgery)
    {
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context))
        {
            return null;
        }

        return await context.Request.ReadFormAsync(context.RequestAborted);
    }

    public static ContentHttpResult Refused() =>
        Render("Request refused", "<p>The form could not be accepted. Reload the page and try again.</p>", StatusCodes.Status400BadRequest);
}
