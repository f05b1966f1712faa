/* pngpixel FILE X Y [RADIUS]: the mean colour of a PNG's pixels within
 * RADIUS (default 0) of (X, Y), printed as "R G B". For the window tests. */
#include <stdio.h>
#include <stdlib.h>

#include "pngfile.h"

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: pngpixel FILE X Y [RADIUS]\n");
        return 2;
    }
    int x = atoi(argv[2]), y = atoi(argv[3]), rad = argc == 5 ? atoi(argv[4]) : 0;
    int w, h;
    char err[512];
    uint32_t *px = png_read_argb(argv[1], &w, &h, err, sizeof(err));
    if (!px) {
        fprintf(stderr, "pngpixel: %s\n", err);
        return 2;
    }
    double sum[3] = {0, 0, 0};
    int n = 0;
    for (int dy = -rad; dy <= rad; dy++)
        for (int dx = -rad; dx <= rad; dx++) {
            int X = x + dx, Y = y + dy;
            if (dx * dx + dy * dy > rad * rad || X < 0 || Y < 0 || X >= w || Y >= h)
                continue;
            uint32_t c = px[Y * w + X];
            sum[0] += (c >> 16) & 255;
            sum[1] += (c >> 8) & 255;
            sum[2] += c & 255;
            n++;
        }
    free(px);
    if (!n) {
        fprintf(stderr, "pngpixel: (%d, %d) is outside the %dx%d image\n", x, y, w, h);
        return 2;
    }
    printf("%d %d %d\n", (int)(sum[0] / n + 0.5), (int)(sum[1] / n + 0.5), (int)(sum[2] / n + 0.5));
    return 0;
}
