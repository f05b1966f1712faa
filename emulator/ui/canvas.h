/* A tiny rasteriser on ARGB8888 SDL surfaces, for drawing the board:
 * anti-aliased rounded rectangles and circles from signed distances, flat
 * and gradient paints, soft shadows, text. */
#ifndef PHOTON_CANVAS_H
#define PHOTON_CANVAS_H

#include <stdbool.h>
#include <stdint.h>

#include <SDL2/SDL.h>
#include <SDL2/SDL_ttf.h>

typedef struct rgb {
    double r, g, b;
} rgb;

typedef struct canvas {
    SDL_Surface *s;
    uint32_t *px;
    int w, h, stride; /* stride in pixels */
} canvas;

/* Paint: a flat colour, or a gradient from c0 to c1 along y (vertical) or
 * from a point (radial). */
typedef enum { P_FLAT, P_VERT, P_RADIAL } paint_kind;
typedef struct paint {
    paint_kind kind;
    rgb c0, c1;
    double a;          /* opacity */
    double y0, y1;     /* P_VERT: px */
    double cx, cy, r;  /* P_RADIAL: px */
} paint;

rgb rgb_of(int r, int g, int b);
rgb rgb_mix(rgb a, rgb b, double t);
bool canvas_new(canvas *c, int w, int h);
/* "over" compositing of colour `col` with coverage `a` */
void canvas_plot(canvas *c, int x, int y, rgb col, double a);
paint paint_flat(rgb c);
paint paint_vert(rgb top, rgb bottom, double y0, double y1);
paint paint_radial(rgb centre, rgb edge, double cx, double cy, double r);
paint paint_alpha(paint p, double a);
/* Fill a rounded rectangle (x0,y0)-(x1,y1), px. `stroke` > 0 draws only an
 * outline of that width. */
void canvas_rrect(canvas *c, double x0, double y0, double x1, double y1, double r, paint p,
                  double stroke);
void canvas_circle(canvas *c, double cx, double cy, double r, paint p, double stroke);
/* Soft shadow: a few widening, faint rounded rectangles. */
void canvas_shadow(canvas *c, double x0, double y0, double x1, double y1, double r,
                   double spread, double strength);
/* Align: -1 left, 0 centre, 1 right of x; the text is centred on y. */
void canvas_text(canvas *c, TTF_Font *font, const char *str, rgb col, double x, double y,
                 int align);

#endif
