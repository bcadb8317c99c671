using System.Globalization;
using System.Text;

namespace HealthPlatform.AppHost.Tests.Platform;

/// <summary>Reads Linux's <c>/proc</c> to find the processes a test started.</summary>
public static class ProcessTable
{
    public static IReadOnlyList<ProcessInfo> All() =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Select(name => int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? Read(id) : null)
            .OfType<ProcessInfo>()
            .ToList();

    public static IReadOnlyList<ProcessInfo> DescendantsOf(int rootId)
    {
        var all = All();
        var found = new List<ProcessInfo>();
        var parents = new HashSet<int> { rootId };
        for (var added = true; added;)
        {
            var next = all.Where(p => parents.Contains(p.ParentId) && !parents.Contains(p.Id)).ToList();
            found.AddRange(next);
            parents.UnionWith(next.Select(p => p.Id));
            added = next.Count > 0;
        }

        return found;
    }

    /// <summary>Processes whose command line or environment mentions <paramref name="text"/>.</summary>
    public static IReadOnlyList<ProcessInfo> Referencing(string text) =>
        All().Where(p => Mentions(p.Id, "cmdline", text) || Mentions(p.Id, "environ", text)).ToList();

    public static ProcessInfo? Read(int id)
    {
        try
        {
            // /proc/<id>/stat: "id (name) state ppid ... starttime(22nd field)"; the name may hold spaces.
            var stat = File.ReadAllText($"/proc/{id}/stat");
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            return new ProcessInfo(
                id,
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                stat[(open + 1)..close],
                ulong.Parse(fields[19], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // Exited while we looked.
        }
    }

    private static bool Mentions(int id, string file, string text)
    {
        try
        {
            return Encoding.UTF8.GetString(File.ReadAllBytes($"/proc/{id}/{file}")).Contains(text, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
