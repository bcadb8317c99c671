using System.Diagnostics;
using OpenTelemetry;

namespace HealthPlatform.ServiceDefaults.Telemetry;

/// <summary>
/// Takes URLs out of spans before export: paths and queries carry patient ids and search values
/// (<c>/fhir/Patient/123?name=...</c>). A server span keeps the route template
/// (<c>/fhir/Patient/{id}</c>) instead of the path; a client span keeps only the origin.
/// </summary>
internal sealed class PhiSafeSpanProcessor : BaseProcessor<Activity>
{
    private static readonly string[] RawUrlTags = ["url.query", "http.target", "http.url"];

    public override void OnEnd(Activity data)
    {
        foreach (var tag in RawUrlTags)
        {
            if (data.GetTagItem(tag) is not null)
            {
                data.SetTag(tag, null);
            }
        }

        if (data.GetTagItem("url.path") is not null)
        {
            data.SetTag("url.path", data.GetTagItem("http.route"));
        }

        if (data.GetTagItem("url.full") is string full && Uri.TryCreate(full, UriKind.Absolute, out var url))
        {
            data.SetTag("url.full", url.GetLeftPart(UriPartial.Authority));
        }
    }
}
