using Microsoft.Playwright;

namespace ImageJobs.Tests.Support;

/// <summary>What a person does in the template designer, as the browser tests do it: add a layer, drag a box or its handle, read a box back.</summary>
public static class DesignerDriver
{
    /// <summary>A layer's box as the page shows it, in percent of the image.</summary>
    public sealed record Box(double X, double Y, double Width, double Height);

    public static async Task AddAsync(IPage page, string kind)
    {
        await page.SelectOptionAsync("#add-kind", kind);
        await page.ClickAsync("#add-layer");
    }

    public static async Task<Box> BoxAsync(IPage page, string layer)
    {
        var values = await page.EvaluateAsync<double[]>($$"""
            (() => {
              const stage = document.getElementById('boxes').getBoundingClientRect();
              const box = document.querySelector(".box[data-layer='{{layer}}']").getBoundingClientRect();
              return [(box.left - stage.left) / stage.width * 100, (box.top - stage.top) / stage.height * 100, box.width / stage.width * 100, box.height / stage.height * 100];
            })()
            """);
        return new Box(values[0], values[1], values[2], values[3]);
    }

    /// <summary>Drags a box (or one of its handles) with the mouse so that its corner or edge lands at <paramref name="to"/> percent.</summary>
    public static async Task DragAsync(IPage page, string layer, string handle, (double X, double Y) to)
    {
        var stage = (await page.Locator("#boxes").BoundingBoxAsync())!;
        var box = await BoxAsync(page, layer);
        double startX, startY, targetX, targetY;
        if (handle == "move")
        {
            // The box itself, just inside its top-left corner (clear of the corner's handle), to where that corner goes.
            (startX, startY) = (stage.X + (box.X / 100 * stage.Width) + 16, stage.Y + (box.Y / 100 * stage.Height) + 16);
            (targetX, targetY) = (stage.X + (to.X / 100 * stage.Width) + 16, stage.Y + (to.Y / 100 * stage.Height) + 16);
        }
        else
        {
            // A resize handle (only "se" here), moved by as much as the box's bottom-right corner must.
            var grip = (await page.Locator($".box[data-layer='{layer}'] .h-{handle}").BoundingBoxAsync())!;
            (startX, startY) = (grip.X + (grip.Width / 2), grip.Y + (grip.Height / 2));
            (targetX, targetY) = (startX + ((to.X - box.X - box.Width) / 100 * stage.Width), startY + ((to.Y - box.Y - box.Height) / 100 * stage.Height));
        }

        await page.Mouse.MoveAsync((float)startX, (float)startY);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync((float)targetX, (float)targetY, new() { Steps = 8 });
        await page.Mouse.UpAsync();
    }
}
