/* A tiny rasteriser (see canvas.h). */
#include "canvas.h"

#include <math.h>
#include <string.h>

rgb rgb_of(int r, int g, int b)
{
    rgb c = {r, g, b};
    return c;
}

rgb rgb_mix(rgb a, rgb b, double t)
{
    rgb c = {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
    return c;
}

bool canvas_new(canvas *c, int w, int h)
{
    c->s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!c->s)
        return false;
    c->px = c->s->pixels;
    c->w = w;
    c->h = h;
    c->stride = c->s->pitch / 4;
    memset(c->px, 0, (size_t)c->s->pitch * h);
    return true;
}

/* "over" compositing of colour `col` with coverage `a` */
void canvas_plot(canvas *c, int x, int y, rgb col, double a)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h || a <= 0)
        return;
    if (a > 1)
        a = 1;
    uint32_t *p = &c->px[y * c->stride + x];
    double da = ((*p >> 24) & 255) / 255.0;
    double dr = (*p >> 16) & 255, dg = (*p >> 8) & 255, db = *p & 255;
    double oa = a + da * (1 - a);
    if (oa <= 0)
        return;
    double r = (col.r * a + dr * da * (1 - a)) / oa;
    double g = (col.g * a + dg * da * (1 - a)) / oa;
    double b = (col.b * a + db * da * (1 - a)) / oa;
#define CL(v) ((uint32_t)((v) < 0 ? 0 : (v) > 255 ? 255 : lround(v)))
    *p = CL(oa * 255) << 24 | CL(r) << 16 | CL(g) << 8 | CL(b);
#undef CL
}

paint paint_flat(rgb c)
{
    paint p = {P_FLAT, c, c, 1, 0, 0, 0, 0, 0};
    return p;
}

paint paint_vert(rgb top, rgb bottom, double y0, double y1)
{
    paint p = {P_VERT, top, bottom, 1, y0, y1, 0, 0, 0};
    return p;
}

paint paint_radial(rgb centre, rgb edge, double cx, double cy, double r)
{
    paint p = {P_RADIAL, centre, edge, 1, 0, 0, cx, cy, r};
    return p;
}

paint paint_alpha(paint p, double a)
{
    p.a = a;
    return p;
}

static rgb paint_at(const paint *p, double x, double y)
{
    double t = 0;
    switch (p->kind) {
    case P_FLAT: return p->c0;
    case P_VERT: t = (y - p->y0) / (p->y1 - p->y0); break;
    case P_RADIAL: t = hypot(x - p->cx, y - p->cy) / p->r; break;
    }
    if (t < 0)
        t = 0;
    if (t > 1)
        t = 1;
    return rgb_mix(p->c0, p->c1, t);
}

/* Signed distance (px) from (x, y) to a rounded rectangle. */
static double sd_rrect(double x, double y, double cx, double cy, double hw, double hh, double r)
{
    double qx = fabs(x - cx) - (hw - r), qy = fabs(y - cy) - (hh - r);
    double ox = qx > 0 ? qx : 0, oy = qy > 0 ? qy : 0;
    double in = qx > qy ? qx : qy;
    return hypot(ox, oy) + (in < 0 ? in : 0) - r;
}

/* Fill a rounded rectangle (x0,y0)-(x1,y1), px. `stroke` > 0 draws only an
 * outline of that width. */
void canvas_rrect(canvas *c, double x0, double y0, double x1, double y1, double r,
                  paint p, double stroke)
{
    double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, hw = (x1 - x0) / 2, hh = (y1 - y0) / 2;
    if (r > hw)
        r = hw;
    if (r > hh)
        r = hh;
    int ix0 = (int)floor(x0) - 1, iy0 = (int)floor(y0) - 1;
    int ix1 = (int)ceil(x1) + 1, iy1 = (int)ceil(y1) + 1;
    for (int y = iy0; y <= iy1; y++)
        for (int x = ix0; x <= ix1; x++) {
            double px = x + 0.5, py = y + 0.5;
            double d = sd_rrect(px, py, cx, cy, hw, hh, r);
            if (stroke > 0)
                d = fabs(d + stroke / 2) - stroke / 2;
            double cov = 0.5 - d;
            if (cov <= 0)
                continue;
            canvas_plot(c, x, y, paint_at(&p, px, py), (cov > 1 ? 1 : cov) * p.a);
        }
}

void canvas_circle(canvas *c, double cx, double cy, double r, paint p, double stroke)
{
    canvas_rrect(c, cx - r, cy - r, cx + r, cy + r, r, p, stroke);
}

/* Soft shadow: a few widening, faint rounded rectangles. */
void canvas_shadow(canvas *c, double x0, double y0, double x1, double y1, double r,
                   double spread, double strength)
{
    for (int i = 6; i >= 1; i--) {
        double e = spread * i / 6;
        canvas_rrect(c, x0 - e, y0 - e + spread / 2, x1 + e, y1 + e + spread / 2, r + e,
              paint_alpha(paint_flat(rgb_of(0, 0, 0)), strength / 6), 0);
    }
}

/* Align: -1 left, 0 centre, 1 right of x; the text is centred on y. */
void canvas_text(canvas *c, TTF_Font *font, const char *str, rgb col, double x,
                        double y, int align)
{
    if (!font || !*str)
        return;
    SDL_Color sc = {(Uint8)col.r, (Uint8)col.g, (Uint8)col.b, 255};
    SDL_Surface *t = TTF_RenderUTF8_Blended(font, str, sc);
    if (!t)
        return;
    SDL_Rect d = {(int)lround(x - (align + 1) * t->w / 2.0), (int)lround(y - t->h / 2.0), t->w,
                  t->h};
    SDL_SetSurfaceBlendMode(t, SDL_BLENDMODE_BLEND);
    SDL_BlitSurface(t, NULL, c->s, &d);
    SDL_FreeSurface(t);
}
