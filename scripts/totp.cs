// DEV ONLY: prints the current authenticator code of a demo user enrolled by the development seed
// (admin.ada, sec.sally), from the key the seed keeps in .dev/clients/{user}.authenticator.
//   dotnet run scripts/totp.cs -- admin.ada
// RFC 6238: HMAC-SHA1, 30-second steps, 6 digits — what Identity's authenticator checks.
using System.Security.Cryptography;

var user = args.Length == 1 ? args[0] : throw new ArgumentException("Usage: dotnet run scripts/totp.cs -- <user name>");
// Run from the repository root (AppHost/.dev/clients) or from AppHost/ (.dev/clients).
var folder = Environment.GetEnvironmentVariable("HP_DEV_CREDENTIALS")
    ?? new[] { Path.Combine("AppHost", ".dev", "clients"), Path.Combine(".dev", "clients") }.Select(Path.GetFullPath).FirstOrDefault(Directory.Exists)
    ?? Path.Combine(Directory.GetCurrentDirectory(), "AppHost", ".dev", "clients");
var keyFile = Path.Combine(folder, user + ".authenticator");
if (!File.Exists(keyFile))
{
    Console.Error.WriteLine($"No authenticator key at {keyFile}: start the platform once in Development (dotnet run --project AppHost) so the seed creates it.");
    return 1;
}

var key = File.ReadAllText(keyFile).Trim();
var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
var step = now / 30;
Span<byte> counter = stackalloc byte[8];
System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(counter, step);
#pragma warning disable CA5350 // SHA-1 is what RFC 6238 authenticators use; HMAC-SHA1 is not broken as a MAC.
var hash = HMACSHA1.HashData(Base32(key), counter);
#pragma warning restore CA5350
var offset = hash[^1] & 0x0F;
var binary = ((hash[offset] & 0x7F) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
Console.WriteLine($"{binary % 1_000_000:D6}  (valid for {30 - (now % 30)} more seconds)");
Console.WriteLine($"Or add it to an authenticator app: otpauth://totp/HealthPlatform:{Uri.EscapeDataString(user)}?secret={key}&issuer=HealthPlatform&digits=6&period=30");
return 0;

static byte[] Base32(string text)
{
    const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    var bytes = new List<byte>();
    int buffer = 0, bits = 0;
    foreach (var character in text.TrimEnd('=').ToUpperInvariant())
    {
        var value = Alphabet.IndexOf(character, StringComparison.Ordinal);
        buffer = (buffer << 5) | (value >= 0 ? value : throw new FormatException("The key is not base32."));
        bits += 5;
        if (bits >= 8)
        {
            bytes.Add((byte)(buffer >> (bits - 8)));
            bits -= 8;
        }
    }

    return [.. bytes];
}
