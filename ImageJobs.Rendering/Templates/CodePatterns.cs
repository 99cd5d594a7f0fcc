using System.Globalization;
using ImageJobs.Contracts;
using QRCoder;
using QRCoder.Exceptions;
using ZXing.OneD;

namespace ImageJobs.Rendering.Templates;

/// <summary>
/// QR codes (QRCoder) and barcodes (ZXing.Net's writers) as module patterns, true for dark:
/// geometry only, drawn by <see cref="LayerDrawing"/>. Values are checked here first, so a bad one
/// is refused with a reason (a wrong check digit, a character the symbology cannot hold).
/// </summary>
public static class CodePatterns
{
    /// <summary>Longest value a QR layer takes (version 40 at level L holds 2,953 bytes).</summary>
    public const int MaxQrValueLength = 2_000;

    /// <summary>Code 128 values longer than this are refused (ZXing's writer's own limit).</summary>
    public const int MaxCode128Length = 80;

    /// <summary>The modules of the QR code without its quiet zone: [row, column].</summary>
    /// <exception cref="JobFailedException"><see cref="ErrorCodes.InvalidCode"/>: empty or too long.</exception>
    public static bool[,] Qr(string value, QrErrorCorrection level)
    {
        if (CheckQr(value) is { } problem)
        {
            throw new JobFailedException(ErrorCodes.InvalidCode, "QR code: " + problem);
        }

        try
        {
            using var generator = new QRCodeGenerator();
            using var data = generator.CreateQrCode(value, level switch
            {
                QrErrorCorrection.L => QRCodeGenerator.ECCLevel.L,
                QrErrorCorrection.Q => QRCodeGenerator.ECCLevel.Q,
                QrErrorCorrection.H => QRCodeGenerator.ECCLevel.H,
                _ => QRCodeGenerator.ECCLevel.M,
            });
            var matrix = data.ModuleMatrix;
            var size = 21 + (4 * (data.Version - 1)); // ISO/IEC 18004: version 1 is 21 modules a side, each version 4 more
            var margin = (matrix.Count - size) / 2; // QRCoder adds its own quiet zone; ours is the layer's
            var modules = new bool[size, size];
            for (var row = 0; row < size; row++)
            {
                for (var column = 0; column < size; column++)
                {
                    modules[row, column] = matrix[row + margin][column + margin];
                }
            }

            return modules;
        }
        catch (DataTooLongException ex)
        {
            throw new JobFailedException(ErrorCodes.InvalidCode, $"QR code: the value is too long for a QR code at level {level}.", ex);
        }
    }

    /// <summary>The bars of a barcode without quiet zones, one entry per module.</summary>
    /// <exception cref="JobFailedException"><see cref="ErrorCodes.InvalidCode"/>: the value does not suit the symbology.</exception>
    public static bool[] Barcode(string value, BarcodeSymbology symbology)
    {
        if (CheckBarcode(value, symbology) is { } problem)
        {
            throw new JobFailedException(ErrorCodes.InvalidCode, $"{symbology} barcode: {problem}");
        }

        return symbology switch
        {
            BarcodeSymbology.Code128 => new Code128Writer().encode(value),
            // A UPC-A is an EAN-13 whose first digit is 0: the same bars.
            BarcodeSymbology.UpcA => new EAN13Writer().encode("0" + value),
            _ => new EAN13Writer().encode(value),
        };
    }

    /// <summary>Why a QR value is refused, or null.</summary>
    public static string? CheckQr(string value) =>
        value.Length == 0 ? "the value is empty"
        : value.Length > MaxQrValueLength ? string.Create(CultureInfo.InvariantCulture, $"the value is {value.Length:N0} characters, more than {MaxQrValueLength:N0}")
        : null;

    /// <summary>Why a barcode value is refused (the problem, for a message or a row's report), or null.</summary>
    public static string? CheckBarcode(string value, BarcodeSymbology symbology) => symbology switch
    {
        BarcodeSymbology.Code128 => value.Length == 0 ? "the value is empty"
            : value.Length > MaxCode128Length ? $"the value is longer than {MaxCode128Length} characters"
            : value.Any(c => c is < ' ' or > '~') ? "Code 128 holds printable ASCII only (space to '~')"
            : null,
        BarcodeSymbology.Ean13 => CheckDigits(value, "EAN-13", 13),
        BarcodeSymbology.UpcA => CheckDigits(value, "UPC-A", 12),
        _ => "unknown symbology",
    };

    /// <summary>
    /// A GS1 number: all digits, either without its check digit (computed) or with it (verified),
    /// since a wrong check digit is the typo it exists to catch.
    /// </summary>
    private static string? CheckDigits(string value, string name, int length)
    {
        if (value.Length is var n && n != length && n != length - 1)
        {
            return $"{name} takes {length - 1} digits, or {length} with the check digit; got {value.Length} characters";
        }

        if (!value.All(char.IsAsciiDigit))
        {
            return $"{name} takes digits only";
        }

        if (value.Length == length)
        {
            var expected = CheckDigit(value.AsSpan(0, length - 1));
            if (value[^1] - '0' != expected)
            {
                return $"the check digit of {value} is {value[^1]}, but should be {expected}";
            }
        }

        return null;
    }

    /// <summary>GS1's mod-10 check digit: weights 3 and 1 from the rightmost digit.</summary>
    public static int CheckDigit(ReadOnlySpan<char> digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var weight = (digits.Length - i) % 2 == 1 ? 3 : 1;
            sum += (digits[i] - '0') * weight;
        }

        return (10 - (sum % 10)) % 10;
    }
}
