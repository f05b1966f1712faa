/* Drawing the Photon. Everything is drawn here from primitives: shapes are
 * rasterised with signed distance functions (anti-aliased) into a static
 * background layer once per scale; each frame then copies that layer and
 * adds what changes: button sprites, the LEDs (additive glow textures
 * tinted with the LED colour) and the text of the panel and status line.
 *
 * Board geometry in millimetres, USB at the top, component side up
 * (20.32 x 36.58 mm, header pins on a 2.54 mm pitch along both long edges). */
#include "boardview.h"
#include "util.h"

#include <SDL2/SDL.h>
#include <SDL2/SDL_ttf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "canvas.h"
#include "clock.h"
#include "ledmeaning.h"
#include "pngfile.h"

#define PX_PER_MM 12.0
#define BOARD_W 20.32
#define BOARD_H 36.58
#define PIN_Y0 2.9
#define PIN_PITCH 2.54
#define PIN_X_LEFT 1.27
#define PIN_X_RIGHT (BOARD_W - 1.27)
#define ROW_Y 7.4 /* SETUP, RGB LED and RESET */
#define SETUP_X 4.9
#define LED_X (BOARD_W / 2)
#define RESET_X (BOARD_W - 4.9)
#define BTN_BODY 3.6  /* tactile switch body, square */
#define BTN_BOX 5.0   /* sprite size */
#define LED_PKG 2.8   /* RGB LED package, square */
#define LED_LENS 1.0  /* its diffuser, radius */
#define LED_GLOW 9.0  /* glow radius */
#define D7_INDEX 4    /* right column, from the top */
#define D7_X 17.35
#define D7_GLOW 2.6
#define FULL_SCALE 95.0 /* Particle firmware: 96/255 global brightness */

static const char *const pins_left[12] = {"VIN", "GND", "TX", "RX", "WKP", "DAC",
                                          "A5", "A4", "A3", "A2", "A1", "A0"};
static const char *const pins_right[12] = {"3V3", "RST", "VBAT", "GND", "D7", "D6",
                                           "D5", "D4", "D3", "D2", "D1", "D0"};

/* ---- geometry ----------------------------------------------------------- */

static bv_rect rect_d(double x, double y, double w, double h)
{
    bv_rect r = {(int)floor(x), (int)floor(y), (int)ceil(w), (int)ceil(h)};
    return r;
}

void bv_layout_init(bv_layout *l, double scale)
{
    if (scale < BV_SCALE_MIN)
        scale = BV_SCALE_MIN;
    if (scale > BV_SCALE_MAX)
        scale = BV_SCALE_MAX;
    memset(l, 0, sizeof(*l));
    double s = scale, k = PX_PER_MM * s;
    l->scale = s;
    l->k = k;
    l->w = (int)lround(736 * s);
    l->h = (int)lround(528 * s);
    l->bx = 56 * s;
    l->by = 36 * s;
    l->board = rect_d(l->bx, l->by, BOARD_W * k, BOARD_H * k);
    l->usb = rect_d(l->bx + (LED_X - 3.8) * k, l->by - 1.2 * k, 7.6 * k, 5.4 * k);
    double hb = BTN_BODY / 2 + 0.6; /* the clickable area: body and a margin */
    l->setup = rect_d(l->bx + (SETUP_X - hb) * k, l->by + (ROW_Y - hb) * k, 2 * hb * k,
                      2 * hb * k);
    l->reset = rect_d(l->bx + (RESET_X - hb) * k, l->by + (ROW_Y - hb) * k, 2 * hb * k,
                      2 * hb * k);
    l->led = rect_d(l->bx + (LED_X - LED_LENS) * k, l->by + (ROW_Y - LED_LENS) * k,
                    2 * LED_LENS * k, 2 * LED_LENS * k);
    double d7y = PIN_Y0 + D7_INDEX * PIN_PITCH;
    l->d7 = rect_d(l->bx + (D7_X - 0.4) * k, l->by + (d7y - 0.7) * k, 0.8 * k, 1.4 * k);
    l->panel = rect_d(372 * s, 24 * s, l->w - 388 * s, l->by + BOARD_H * k - 24 * s);
    l->status = rect_d(0, 494 * s, l->w, l->h - 494 * s);
}

static bool in_rect(const bv_rect *r, int x, int y)
{
    return x >= r->x && y >= r->y && x < r->x + r->w && y < r->y + r->h;
}

int bv_hit(const bv_layout *l, int x, int y)
{
    if (in_rect(&l->setup, x, y))
        return BV_SETUP;
    if (in_rect(&l->reset, x, y))
        return BV_RESET;
    return BV_NONE;
}

void bv_print_layout(const bv_layout *l, FILE *f)
{
    const struct {
        const char *name;
        const bv_rect *r;
    } items[] = {
        {"board", &l->board}, {"usb", &l->usb},     {"setup", &l->setup},
        {"reset", &l->reset}, {"led", &l->led},     {"d7", &l->d7},
        {"panel", &l->panel}, {"status", &l->status},
    };
    fprintf(f, "# name x y w h (window pixels at scale %g); centre = x+w/2, y+h/2\n",
            l->scale);
    fprintf(f, "window 0 0 %d %d\n", l->w, l->h);
    for (size_t i = 0; i < ARRAY_SIZE(items); i++)
        fprintf(f, "%s %d %d %d %d\n", items[i].name, items[i].r->x, items[i].r->y,
                items[i].r->w, items[i].r->h);
}

double bv_led_level(double drive)
{
    /* PWM duty is light output: encode it like sRGB so that the eye sees the
     * firmware's linear fades the way it sees the real LED. */
    double x = drive / FULL_SCALE;
    if (x <= 0)
        return 0;
    if (x > 1)
        x = 1;
    return x <= 0.0031308 ? 12.92 * x : 1.055 * pow(x, 1 / 2.4) - 0.055;
}

/* ---- text ---------------------------------------------------------------- */

enum { F_LABEL, F_SILK, F_BODY, F_BIG, F_SMALL, F_CAN, NFONTS };

static const char *font_path(bool bold)
{
    const char *env = getenv(bold ? "PHOTON_SIM_FONT_BOLD" : "PHOTON_SIM_FONT");
    if (env && *env)
        return env;
    if (!bold && (env = getenv("PHOTON_SIM_FONT_BOLD")) && *env)
        return env;
    return bold ? "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
                : "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
}

static bool font_warned;

static bool open_fonts(TTF_Font *f[NFONTS], double s)
{
    static const struct {
        double px;
        bool bold;
    } spec[NFONTS] = {
        [F_LABEL] = {11, true}, [F_SILK] = {8.5, true}, [F_BODY] = {14, false},
        [F_BIG] = {21, true},   [F_SMALL] = {11.5, false}, [F_CAN] = {40, true},
    };
    if (!TTF_WasInit() && TTF_Init() < 0)
        return false;
    for (int i = 0; i < NFONTS; i++) {
        int pt = (int)lround(spec[i].px * s);
        f[i] = TTF_OpenFont(font_path(spec[i].bold), pt < 5 ? 5 : pt);
        if (!f[i] && spec[i].bold) /* a bold face is optional */
            f[i] = TTF_OpenFont(font_path(false), pt < 5 ? 5 : pt);
        if (!f[i]) {
            if (!font_warned)
                fprintf(stderr,
                        "photon-sim: no font (%s: %s); the window shows no text. Install "
                        "fonts-dejavu-core or set PHOTON_SIM_FONT to a .ttf file\n",
                        font_path(false), TTF_GetError());
            font_warned = true;
            for (int j = 0; j < i; j++)
                TTF_CloseFont(f[j]);
            memset(f, 0, sizeof(TTF_Font *) * NFONTS);
            return false;
        }
    }
    return true;
}

/* ---- the view ------------------------------------------------------------ */

#define NSLOTS 16

typedef struct text_slot {
    char str[160];
    int font;
    SDL_Color col;
    SDL_Texture *t;
    int w, h;
} text_slot;

struct boardview {
    SDL_Renderer *r;
    bv_layout l;
    TTF_Font *font[NFONTS];
    SDL_Texture *bg;
    SDL_Texture *btn_up, *btn_down;
    SDL_Texture *glow, *lens, *d7glow, *d7lens, *disc;
    int btn_px, glow_px, lens_px, d7glow_px, d7lens_px, disc_px;
    text_slot slot[NSLOTS];
};

const bv_layout *bv_get_layout(const boardview *v)
{
    return &v->l;
}

/* board mm -> window px */
#define BX(v, mm) ((v)->l.bx + (mm) * (v)->l.k)
#define BY(v, mm) ((v)->l.by + (mm) * (v)->l.k)

static const rgb BG = {22, 24, 28};
static const rgb PANEL = {33, 36, 42};
static const rgb STATUS = {14, 15, 18};
static const rgb SILK = {238, 240, 236};
static const rgb TEXT = {232, 234, 238};
static const rgb DIM = {150, 156, 166};
static const rgb GOLD = {214, 176, 76};
static const rgb LENS_OFF = {74, 76, 80};

static void draw_pins(boardview *v, canvas *c)
{
    double k = v->l.k;
    for (int side = 0; side < 2; side++)
        for (int i = 0; i < 12; i++) {
            double x = BX(v, side ? PIN_X_RIGHT : PIN_X_LEFT);
            double y = BY(v, PIN_Y0 + i * PIN_PITCH);
            /* gold pad, square for pin 1 of each row */
            if (i == 0)
                canvas_rrect(c, x - 0.9 * k, y - 0.9 * k, x + 0.9 * k, y + 0.9 * k, 0.15 * k,
                      paint_radial(rgb_of(240, 206, 120), GOLD, x - 0.3 * k, y - 0.3 * k, 1.3 * k), 0);
            else
                canvas_circle(c, x, y, 0.9 * k,
                       paint_radial(rgb_of(240, 206, 120), GOLD, x - 0.3 * k, y - 0.3 * k, 1.3 * k), 0);
            /* solder on the header pin */
            canvas_circle(c, x, y, 0.55 * k,
                   paint_radial(rgb_of(236, 238, 242), rgb_of(150, 154, 160), x - 0.18 * k, y - 0.2 * k,
                          0.75 * k),
                   0);
            canvas_circle(c, x, y, 0.55 * k, paint_alpha(paint_flat(rgb_of(90, 92, 96)), 0.6), 0.06 * k);
            /* label outside the board */
            const char *name = side ? pins_right[i] : pins_left[i];
            double lx = side ? v->l.bx + BOARD_W * k + 7 * v->l.scale : v->l.bx - 7 * v->l.scale;
            canvas_text(c, v->font[F_LABEL], name, !strcmp(name, "D7") ? rgb_of(130, 180, 255) : SILK,
                        lx, y, side ? -1 : 1);
        }
}

static void draw_usb(boardview *v, canvas *c)
{
    double k = v->l.k;
    double x0 = BX(v, LED_X - 3.8), x1 = BX(v, LED_X + 3.8);
    double y0 = BY(v, -1.2), y1 = BY(v, 4.2);
    /* solder tabs */
    canvas_rrect(c, x0 - 0.7 * k, BY(v, 2.2), x0 + 0.4 * k, BY(v, 3.8), 0.15 * k,
          paint_flat(rgb_of(176, 178, 182)), 0);
    canvas_rrect(c, x1 - 0.4 * k, BY(v, 2.2), x1 + 0.7 * k, BY(v, 3.8), 0.15 * k,
          paint_flat(rgb_of(176, 178, 182)), 0);
    canvas_shadow(c, x0, y0, x1, y1, 0.4 * k, 0.5 * k, 0.5);
    canvas_rrect(c, x0, y0, x1, y1, 0.35 * k, paint_vert(rgb_of(226, 228, 232), rgb_of(150, 153, 160), y0, y1), 0);
    canvas_rrect(c, x0, y0, x1, y1, 0.35 * k, paint_alpha(paint_flat(rgb_of(96, 98, 104)), 0.8), 0.08 * k);
    /* the receptacle's mouth at the board edge, and the shell's seams */
    canvas_rrect(c, x0 + 0.6 * k, y0 + 0.15 * k, x1 - 0.6 * k, y0 + 1.1 * k, 0.3 * k,
          paint_vert(rgb_of(30, 31, 34), rgb_of(70, 72, 78), y0, y0 + 1.1 * k), 0);
    canvas_rrect(c, x0 + 1.8 * k, y0 + 0.45 * k, x1 - 1.8 * k, y0 + 0.75 * k, 0.1 * k,
          paint_flat(rgb_of(120, 122, 128)), 0);
    for (int i = 0; i < 2; i++) {
        double sy = BY(v, 1.6 + 1.3 * i);
        canvas_rrect(c, x0 + 0.5 * k, sy, x1 - 0.5 * k, sy + 0.08 * k, 0, paint_flat(rgb_of(128, 130, 136)), 0);
    }
}

static void draw_led_package(boardview *v, canvas *c)
{
    double k = v->l.k, cx = BX(v, LED_X), cy = BY(v, ROW_Y), h = LED_PKG / 2 * k;
    canvas_shadow(c, cx - h, cy - h, cx + h, cy + h, 0.3 * k, 0.35 * k, 0.45);
    canvas_rrect(c, cx - h, cy - h, cx + h, cy + h, 0.3 * k,
          paint_vert(rgb_of(246, 246, 240), rgb_of(206, 206, 198), cy - h, cy + h), 0);
    canvas_rrect(c, cx - h, cy - h, cx + h, cy + h, 0.3 * k, paint_alpha(paint_flat(rgb_of(120, 120, 112)), 0.7),
          0.07 * k);
    /* corner mark (pin 1) */
    canvas_circle(c, cx - h + 0.35 * k, cy - h + 0.35 * k, 0.12 * k, paint_flat(rgb_of(150, 150, 140)), 0);
    /* the diffuser, dark while unlit */
    canvas_circle(c, cx, cy, LED_LENS * k,
           paint_radial(rgb_of(96, 98, 104), LENS_OFF, cx - 0.25 * k, cy - 0.3 * k, LED_LENS * k), 0);
    canvas_circle(c, cx, cy, LED_LENS * k, paint_alpha(paint_flat(rgb_of(40, 40, 44)), 0.7), 0.06 * k);
}

static void draw_d7_package(boardview *v, canvas *c)
{
    double k = v->l.k, cx = BX(v, D7_X), cy = BY(v, PIN_Y0 + D7_INDEX * PIN_PITCH);
    canvas_rrect(c, cx - 0.4 * k, cy - 0.7 * k, cx + 0.4 * k, cy + 0.7 * k, 0.1 * k,
          paint_flat(rgb_of(232, 232, 222)), 0);
    canvas_rrect(c, cx - 0.4 * k, cy - 0.2 * k, cx + 0.4 * k, cy + 0.2 * k, 0.05 * k,
          paint_flat(rgb_of(196, 200, 210)), 0);
    canvas_rrect(c, cx - 0.4 * k, cy - 0.7 * k, cx + 0.4 * k, cy + 0.7 * k, 0.1 * k,
          paint_alpha(paint_flat(rgb_of(110, 110, 100)), 0.7), 0.05 * k);
}

static void draw_can(boardview *v, canvas *c)
{
    double k = v->l.k;
    double x0 = BX(v, 3.4), x1 = BX(v, 16.4), y0 = BY(v, 12.2), y1 = BY(v, 27.2);
    canvas_shadow(c, x0, y0, x1, y1, 0.5 * k, 0.6 * k, 0.55);
    canvas_rrect(c, x0, y0, x1, y1, 0.5 * k, paint_vert(rgb_of(214, 216, 220), rgb_of(166, 169, 176), y0, y1), 0);
    canvas_rrect(c, x0, y0, x1, y1, 0.5 * k, paint_alpha(paint_flat(rgb_of(110, 112, 118)), 0.9), 0.1 * k);
    /* the pressed rim of the can */
    canvas_rrect(c, x0 + 0.7 * k, y0 + 0.7 * k, x1 - 0.7 * k, y1 - 0.7 * k, 0.35 * k,
          paint_alpha(paint_flat(rgb_of(246, 248, 250)), 0.55), 0.08 * k);
    canvas_rrect(c, x0 + 0.78 * k, y0 + 0.78 * k, x1 - 0.62 * k, y1 - 0.62 * k, 0.35 * k,
          paint_alpha(paint_flat(rgb_of(120, 122, 128)), 0.45), 0.06 * k);
    /* embossed "PØ" */
    double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2 - 0.6 * k;
    canvas_text(c, v->font[F_CAN], "P\xc3\x98", rgb_of(244, 246, 248), cx + 0.08 * k, cy + 0.08 * k,
                0);
    canvas_text(c, v->font[F_CAN], "P\xc3\x98", rgb_of(138, 141, 148), cx, cy, 0);
    canvas_text(c, v->font[F_SILK], "Wi-Fi module", rgb_of(120, 123, 130), cx, y1 - 2.2 * k, 0);
}

static void draw_antenna(boardview *v, canvas *c)
{
    double k = v->l.k;
    double x0 = BX(v, 3.2), x1 = BX(v, 11.6), y0 = BY(v, 31.2), y1 = BY(v, 33.6);
    canvas_shadow(c, x0, y0, x1, y1, 0.2 * k, 0.3 * k, 0.4);
    canvas_rrect(c, x0, y0, x1, y1, 0.2 * k, paint_vert(rgb_of(58, 58, 62), rgb_of(26, 26, 30), y0, y1), 0);
    canvas_rrect(c, x0, y0, x0 + 1.0 * k, y1, 0.15 * k, paint_vert(rgb_of(220, 222, 226), rgb_of(160, 162, 168), y0, y1),
          0);
    canvas_rrect(c, x1 - 1.0 * k, y0, x1, y1, 0.15 * k, paint_vert(rgb_of(220, 222, 226), rgb_of(160, 162, 168), y0, y1),
          0);
    /* u.FL connector */
    double ux = BX(v, 15.6), uy = BY(v, 32.3);
    canvas_rrect(c, ux - 1.3 * k, uy - 1.3 * k, ux + 1.3 * k, uy + 1.3 * k, 0.2 * k,
          paint_flat(rgb_of(226, 226, 220)), 0);
    canvas_circle(c, ux, uy, 1.0 * k, paint_radial(rgb_of(248, 220, 140), GOLD, ux - 0.3 * k, uy - 0.3 * k, 1.2 * k),
           0);
    canvas_circle(c, ux, uy, 0.55 * k, paint_flat(rgb_of(236, 236, 230)), 0);
    canvas_circle(c, ux, uy, 0.22 * k, paint_flat(rgb_of(200, 168, 80)), 0);
}

static void draw_board(boardview *v, canvas *c)
{
    double k = v->l.k;
    double x0 = v->l.bx, y0 = v->l.by, x1 = x0 + BOARD_W * k, y1 = y0 + BOARD_H * k;
    canvas_shadow(c, x0, y0, x1, y1, 1.0 * k, 1.4 * k, 0.8);
    canvas_rrect(c, x0, y0, x1, y1, 0.9 * k, paint_vert(rgb_of(38, 128, 72), rgb_of(24, 96, 52), y0, y1), 0);
    canvas_rrect(c, x0, y0, x1, y1, 0.9 * k, paint_alpha(paint_flat(rgb_of(12, 60, 30)), 0.9), 0.12 * k);
    /* faint traces in the solder mask */
    paint tr = paint_alpha(paint_flat(rgb_of(52, 150, 88)), 0.5);
    for (int i = 0; i < 5; i++) {
        double y = BY(v, 13.5 + i * 2.6);
        canvas_rrect(c, BX(v, 2.3), y, BX(v, 3.5), y + 0.22 * k, 0.1 * k, tr, 0);
        canvas_rrect(c, BX(v, 16.3), y + 1.1 * k, BX(v, 18.0), y + 1.32 * k, 0.1 * k, tr, 0);
    }
    canvas_rrect(c, BX(v, 6.9), BY(v, 9.2), BX(v, 13.4), BY(v, 9.42), 0.1 * k, tr, 0);
    /* the parts on the board */
    draw_pins(v, c);
    draw_usb(v, c);
    draw_led_package(v, c);
    draw_d7_package(v, c);
    draw_can(v, c);
    draw_antenna(v, c);
    /* silkscreen */
    canvas_text(c, v->font[F_SILK], "SETUP", SILK, BX(v, SETUP_X), BY(v, ROW_Y + 2.75), 0);
    canvas_text(c, v->font[F_SILK], "RESET", SILK, BX(v, RESET_X), BY(v, ROW_Y + 2.75), 0);
    canvas_text(c, v->font[F_SILK], "D7", SILK, BX(v, D7_X), BY(v, PIN_Y0 + D7_INDEX * PIN_PITCH - 1.35),
                0);
    canvas_text(c, v->font[F_SILK], "PHOTON", SILK, BX(v, LED_X), BY(v, 29.3), 0);
}

static void draw_button(canvas *c, double k, bool down)
{
    double cx = c->w / 2.0, cy = c->h / 2.0, h = BTN_BODY / 2 * k;
    canvas_shadow(c, cx - h, cy - h, cx + h, cy + h, 0.3 * k, 0.3 * k, down ? 0.25 : 0.5);
    if (down) /* held: a ring to show it */
        canvas_rrect(c, cx - h - 0.35 * k, cy - h - 0.35 * k, cx + h + 0.35 * k, cy + h + 0.35 * k,
              0.5 * k, paint_alpha(paint_flat(rgb_of(255, 196, 40)), 0.95), 0.22 * k);
    canvas_rrect(c, cx - h, cy - h, cx + h, cy + h, 0.3 * k,
          paint_vert(rgb_of(222, 224, 228), rgb_of(150, 153, 160), cy - h, cy + h), 0);
    canvas_rrect(c, cx - h, cy - h, cx + h, cy + h, 0.3 * k, paint_alpha(paint_flat(rgb_of(90, 92, 98)), 0.9), 0.07 * k);
    /* the four legs' notches */
    for (int i = 0; i < 4; i++) {
        double nx = cx + (i & 1 ? 1 : -1) * (h - 0.45 * k), ny = cy + (i & 2 ? 1 : -1) * (h - 0.45 * k);
        canvas_circle(c, nx, ny, 0.18 * k, paint_flat(rgb_of(120, 122, 128)), 0);
    }
    double r = (down ? 1.02 : 1.15) * k;
    if (!down)
        canvas_circle(c, cx + 0.08 * k, cy + 0.12 * k, r + 0.08 * k, paint_alpha(paint_flat(rgb_of(0, 0, 0)), 0.45), 0);
    canvas_circle(c, cx, cy, r,
           down ? paint_radial(rgb_of(34, 34, 38), rgb_of(14, 14, 16), cx + 0.2 * k, cy + 0.2 * k, r)
                : paint_radial(rgb_of(96, 98, 104), rgb_of(28, 28, 32), cx - 0.35 * k, cy - 0.4 * k, 1.4 * r),
           0);
}

static SDL_Texture *to_texture(SDL_Renderer *r, canvas *c, SDL_BlendMode mode)
{
    SDL_Texture *t = SDL_CreateTextureFromSurface(r, c->s);
    SDL_FreeSurface(c->s);
    c->s = NULL;
    if (t)
        SDL_SetTextureBlendMode(t, mode);
    return t;
}

/* A white glow of radius `rad` px: `peak` inside `core` px, then falling
 * off like light scattered by a diffuser (a power law), faded out at `rad`. */
static SDL_Texture *glow_texture(SDL_Renderer *r, double rad, double core, double power,
                                 double peak, int *size)
{
    int n = (int)ceil(2 * rad) + 2;
    canvas c;
    if (!canvas_new(&c, n, n))
        return NULL;
    double m = n / 2.0;
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            double d = hypot(x + 0.5 - m, y + 0.5 - m);
            double a = d <= core ? 1 : pow(core / d, power);
            double fade = 1 - (d / rad) * (d / rad);
            a *= fade <= 0 ? 0 : fade * fade;
            if (a > peak)
                a = peak;
            c.px[y * c.stride + x] = (uint32_t)lround(a * 255) << 24 | 0xFFFFFF;
        }
    *size = n;
    return to_texture(r, &c, SDL_BLENDMODE_ADD);
}

/* A white disc with an anti-aliased edge (radius `rad` px). */
static SDL_Texture *disc_texture(SDL_Renderer *r, double rad, SDL_BlendMode mode, int *size)
{
    int n = (int)ceil(2 * rad) + 2;
    canvas c;
    if (!canvas_new(&c, n, n))
        return NULL;
    canvas_circle(&c, n / 2.0, n / 2.0, rad, paint_flat(rgb_of(255, 255, 255)), 0);
    *size = n;
    return to_texture(r, &c, mode);
}

boardview *bv_new(SDL_Renderer *r, double scale, char *err, size_t n)
{
    boardview *v = calloc(1, sizeof(*v));
    if (!v) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    v->r = r;
    bv_layout_init(&v->l, scale);
    double k = v->l.k, s = v->l.scale;
    open_fonts(v->font, s);

    canvas c;
    if (!canvas_new(&c, v->l.w, v->l.h))
        goto sdl_fail;
    canvas_rrect(&c, 0, 0, v->l.w, v->l.h, 0, paint_flat(BG), 0);
    const bv_rect *p = &v->l.panel;
    canvas_rrect(&c, p->x, p->y, p->x + p->w, p->y + p->h, 10 * s, paint_flat(PANEL), 0);
    const bv_rect *st = &v->l.status;
    canvas_rrect(&c, st->x, st->y, st->x + st->w, st->y + st->h, 0, paint_flat(STATUS), 0);
    draw_board(v, &c);
    /* fixed panel text */
    double px = p->x + 18 * s;
    canvas_text(&c, v->font[F_BIG], "Particle Photon", TEXT, px, p->y + 24 * s, -1);
    canvas_text(&c, v->font[F_SMALL], "emulated: STM32F205 + BCM43362, real firmware", DIM, px,
                p->y + 46 * s, -1);
    canvas_text(&c, v->font[F_SMALL], "RGB LED", DIM, px, p->y + 84 * s, -1);
    canvas_text(&c, v->font[F_SMALL], "virtual time", DIM, px, p->y + 214 * s, -1);
    canvas_text(&c, v->font[F_SMALL], "speed", DIM, px, p->y + 238 * s, -1);
    canvas_text(&c, v->font[F_SMALL], "SETUP", DIM, px, p->y + 262 * s, -1);
    canvas_text(&c, v->font[F_SMALL], "RESET", DIM, px, p->y + 286 * s, -1);
    static const char *const keys[][2] = {
        {"S", "hold SETUP (or click and hold it)"},
        {"R", "hold RESET (or click and hold it)"},
        {"P", "power cycle"},
        {"Space", "pause / run"},
        {"+ / -", "faster / slower"},
        {"Esc", "quit"},
    };
    for (int i = 0; i < 6; i++) {
        double y = p->y + 326 * s + i * 19 * s;
        canvas_text(&c, v->font[F_SMALL], keys[i][0], TEXT, px, y, -1);
        canvas_text(&c, v->font[F_SMALL], keys[i][1], DIM, px + 52 * s, y, -1);
    }
    if (!(v->bg = to_texture(r, &c, SDL_BLENDMODE_NONE)))
        goto sdl_fail;

    int bn = (int)ceil(BTN_BOX * k);
    for (int down = 0; down < 2; down++) {
        if (!canvas_new(&c, bn, bn))
            goto sdl_fail;
        draw_button(&c, k, down);
        SDL_Texture *t = to_texture(r, &c, SDL_BLENDMODE_BLEND);
        if (!t)
            goto sdl_fail;
        if (down)
            v->btn_down = t;
        else
            v->btn_up = t;
    }
    v->btn_px = bn;
    if (!(v->glow = glow_texture(r, LED_GLOW * k, 1.5 * k, 1.0, 0.45, &v->glow_px)) ||
        !(v->lens = disc_texture(r, LED_LENS * k, SDL_BLENDMODE_ADD, &v->lens_px)) ||
        !(v->d7glow = glow_texture(r, D7_GLOW * k, 0.5 * k, 1.5, 0.5, &v->d7glow_px)) ||
        !(v->d7lens = disc_texture(r, 0.42 * k, SDL_BLENDMODE_ADD, &v->d7lens_px)) ||
        !(v->disc = disc_texture(r, 11 * s, SDL_BLENDMODE_BLEND, &v->disc_px)))
        goto sdl_fail;
    return v;
sdl_fail:
    snprintf(err, n, "cannot draw the board: %s", SDL_GetError());
    bv_free(v);
    return NULL;
}

void bv_free(boardview *v)
{
    if (!v)
        return;
    SDL_Texture *t[] = {v->bg, v->btn_up, v->btn_down, v->glow, v->lens, v->d7glow, v->d7lens,
                        v->disc};
    for (size_t i = 0; i < ARRAY_SIZE(t); i++)
        if (t[i])
            SDL_DestroyTexture(t[i]);
    for (int i = 0; i < NSLOTS; i++)
        if (v->slot[i].t)
            SDL_DestroyTexture(v->slot[i].t);
    for (int i = 0; i < NFONTS; i++)
        if (v->font[i])
            TTF_CloseFont(v->font[i]);
    free(v);
}

/* Draw `str` through a cached texture (re-rendered only when it changes). */
static void slot_text(boardview *v, int i, int font, const char *str, rgb col, double x,
                      double y, int align)
{
    text_slot *sl = &v->slot[i];
    SDL_Color sc = {(Uint8)col.r, (Uint8)col.g, (Uint8)col.b, 255};
    if (!v->font[font] || !*str)
        return;
    if (!sl->t || sl->font != font || strcmp(sl->str, str) || memcmp(&sl->col, &sc, sizeof(sc))) {
        if (sl->t)
            SDL_DestroyTexture(sl->t);
        sl->t = NULL;
        SDL_Surface *s = TTF_RenderUTF8_Blended(v->font[font], str, sc);
        if (!s)
            return;
        sl->t = SDL_CreateTextureFromSurface(v->r, s);
        sl->w = s->w;
        sl->h = s->h;
        SDL_FreeSurface(s);
        if (!sl->t)
            return;
        SDL_SetTextureBlendMode(sl->t, SDL_BLENDMODE_BLEND);
        snprintf(sl->str, sizeof(sl->str), "%s", str);
        sl->font = font;
        sl->col = sc;
    }
    SDL_Rect d = {(int)lround(x - (align + 1) * sl->w / 2.0), (int)lround(y - sl->h / 2.0), sl->w,
                  sl->h};
    SDL_RenderCopy(v->r, sl->t, NULL, &d);
}

static void copy_centered(SDL_Renderer *r, SDL_Texture *t, int size, double cx, double cy,
                          double zoom)
{
    int n = (int)lround(size * zoom);
    SDL_Rect d = {(int)lround(cx - n / 2.0), (int)lround(cy - n / 2.0), n, n};
    SDL_RenderCopy(r, t, NULL, &d);
}

static void tint(SDL_Texture *t, const double lv[3], double gain)
{
    int c[3];
    for (int i = 0; i < 3; i++) {
        double x = lv[i] * gain * 255;
        c[i] = x > 255 ? 255 : x < 0 ? 0 : (int)lround(x);
    }
    SDL_SetTextureColorMod(t, (Uint8)c[0], (Uint8)c[1], (Uint8)c[2]);
}

static void fmt_time(char *buf, size_t n, uint64_t ps)
{
    snprintf(buf, n, "%.3f s", (double)ps / PS_PER_S);
}

static void fmt_speed(char *buf, size_t n, const bv_state *s)
{
    if (s->paused)
        snprintf(buf, n, "paused");
    else if (!s->realtime)
        snprintf(buf, n, "as fast as possible");
    else if (s->speed >= 1)
        snprintf(buf, n, "%gx real time", s->speed);
    else
        snprintf(buf, n, "1/%gx real time", 1 / s->speed);
}

void bv_draw(boardview *v, const bv_state *s)
{
    SDL_Renderer *r = v->r;
    const bv_layout *l = &v->l;
    double sc = l->scale;
    SDL_RenderCopy(r, v->bg, NULL, NULL);

    /* buttons */
    SDL_Texture *b = s->setup ? v->btn_down : v->btn_up;
    copy_centered(r, b, v->btn_px, BX(v, SETUP_X), BY(v, ROW_Y), 1);
    b = s->reset ? v->btn_down : v->btn_up;
    copy_centered(r, b, v->btn_px, BX(v, RESET_X), BY(v, ROW_Y), 1);

    /* the RGB LED: the diffuser takes the colour, light spreads around it;
     * brighter than the firmware's full scale spreads further */
    double lv[3];
    double peak = 0;
    for (int i = 0; i < 3; i++) {
        lv[i] = bv_led_level(s->rgb[i]);
        if (s->rgb[i] > peak)
            peak = s->rgb[i];
    }
    if (peak > 0.5) {
        double over = peak / FULL_SCALE > 1 ? sqrt(peak / FULL_SCALE) : 1;
        if (over > 1.6)
            over = 1.6;
        tint(v->lens, lv, 0.65);
        copy_centered(r, v->lens, v->lens_px, BX(v, LED_X), BY(v, ROW_Y), 1);
        tint(v->glow, lv, 1);
        copy_centered(r, v->glow, v->glow_px, BX(v, LED_X), BY(v, ROW_Y), over);
    }
    double d7 = bv_led_level(s->d7);
    if (s->d7 > 0.5) {
        double blue[3] = {0.25 * d7, 0.55 * d7, d7};
        double d7y = BY(v, PIN_Y0 + D7_INDEX * PIN_PITCH);
        tint(v->d7lens, blue, 0.7);
        copy_centered(r, v->d7lens, v->d7lens_px, BX(v, D7_X), d7y, 1);
        tint(v->d7glow, blue, 1);
        copy_centered(r, v->d7glow, v->d7glow_px, BX(v, D7_X), d7y, 1);
    }

    /* panel */
    const bv_rect *p = &l->panel;
    double px = p->x + 18 * sc, vx = p->x + 120 * sc;
    char buf[160], name[96];
    /* colour swatch */
    SDL_SetTextureColorMod(v->disc, 60, 62, 68);
    copy_centered(r, v->disc, v->disc_px, px + 11 * sc, p->y + 118 * sc, 1.12);
    if (peak > 0.5) {
        tint(v->disc, lv, 1);
        copy_centered(r, v->disc, v->disc_px, px + 11 * sc, p->y + 118 * sc, 1);
    } else {
        SDL_SetTextureColorMod(v->disc, 24, 25, 28);
        copy_centered(r, v->disc, v->disc_px, px + 11 * sc, p->y + 118 * sc, 1);
    }
    const led_pattern *pat = &s->pattern;
    switch (pat->kind) {
    case LP_NONE: snprintf(name, sizeof(name), "no pattern yet"); break;
    case LP_OFF: snprintf(name, sizeof(name), "off"); break;
    case LP_SOLID: snprintf(name, sizeof(name), "solid %s", pat->color); break;
    case LP_BLINK: snprintf(name, sizeof(name), "blinking %s", pat->color); break;
    case LP_BREATHE: snprintf(name, sizeof(name), "breathing %s", pat->color); break;
    case LP_SOS: snprintf(name, sizeof(name), pat->code ? "SOS red, code %d" : "SOS red", pat->code);
        break;
    }
    slot_text(v, 0, F_BIG, name, TEXT, px + 32 * sc, p->y + 118 * sc, -1);
    const char *meaning = led_pattern_meaning(pat);
    slot_text(v, 1, F_BODY, meaning && *meaning ? meaning : "", rgb_of(255, 214, 102), px,
              p->y + 150 * sc, -1);
    if (pat->kind == LP_BLINK || pat->kind == LP_BREATHE) {
        if (pat->period_ms)
            snprintf(buf, sizeof(buf), "%u ms period, since %.3f s", pat->period_ms,
                     (double)s->since / PS_PER_S);
        else
            snprintf(buf, sizeof(buf), "since %.3f s", (double)s->since / PS_PER_S);
    } else if (pat->kind != LP_NONE) {
        snprintf(buf, sizeof(buf), "since %.3f s", (double)s->since / PS_PER_S);
    } else {
        buf[0] = 0;
    }
    slot_text(v, 2, F_SMALL, buf, DIM, px, p->y + 174 * sc, -1);
    fmt_time(buf, sizeof(buf), s->now);
    slot_text(v, 3, F_BODY, buf, TEXT, vx, p->y + 214 * sc, -1);
    fmt_speed(buf, sizeof(buf), s);
    slot_text(v, 4, F_BODY, buf, s->paused ? rgb_of(255, 196, 40) : TEXT, vx, p->y + 238 * sc, -1);
    slot_text(v, 5, F_BODY, s->setup ? "held" : "released", s->setup ? rgb_of(255, 196, 40) : TEXT,
              vx, p->y + 262 * sc, -1);
    slot_text(v, 6, F_BODY, s->reset ? "held (the chip is in reset)" : "released",
              s->reset ? rgb_of(255, 196, 40) : TEXT, vx, p->y + 286 * sc, -1);

    /* status line */
    const bv_rect *st = &l->status;
    double sy = st->y + st->h / 2.0;
    led_pattern_status(pat, buf, sizeof(buf));
    slot_text(v, 7, F_BODY, buf, TEXT, st->x + 16 * sc, sy, -1);
    char t[48], sp[48];
    fmt_time(t, sizeof(t), s->now);
    fmt_speed(sp, sizeof(sp), s);
    snprintf(buf, sizeof(buf), "%s   %s", t, sp);
    slot_text(v, 8, F_BODY, buf, DIM, st->x + st->w - 16 * sc, sy, 1);
}

/* ---- offscreen ----------------------------------------------------------- */

struct bv_offscreen {
    SDL_Surface *s;
    SDL_Renderer *r;
    boardview *v;
};

bv_offscreen *bv_offscreen_new(double scale, char *err, size_t n)
{
    bv_offscreen *o = calloc(1, sizeof(*o));
    if (!o) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    bv_layout l;
    bv_layout_init(&l, scale);
    o->s = SDL_CreateRGBSurfaceWithFormat(0, l.w, l.h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!o->s || !(o->r = SDL_CreateSoftwareRenderer(o->s))) {
        snprintf(err, n, "offscreen renderer: %s", SDL_GetError());
        bv_offscreen_free(o);
        return NULL;
    }
    if (!(o->v = bv_new(o->r, scale, err, n))) {
        bv_offscreen_free(o);
        return NULL;
    }
    return o;
}

void bv_offscreen_free(bv_offscreen *o)
{
    if (!o)
        return;
    bv_free(o->v);
    if (o->r)
        SDL_DestroyRenderer(o->r);
    if (o->s)
        SDL_FreeSurface(o->s);
    free(o);
}

static void offscreen_draw(bv_offscreen *o, const bv_state *s)
{
    SDL_SetRenderDrawColor(o->r, 0, 0, 0, 255);
    SDL_RenderClear(o->r);
    bv_draw(o->v, s);
    SDL_RenderFlush(o->r);
}

int bv_offscreen_png(bv_offscreen *o, const bv_state *s, const char *path, char *err, size_t n)
{
    offscreen_draw(o, s);
    if (SDL_MUSTLOCK(o->s))
        SDL_LockSurface(o->s);
    int rc = png_write_argb(path, o->s->pixels, o->s->w, o->s->h, (size_t)o->s->pitch, err, n);
    if (SDL_MUSTLOCK(o->s))
        SDL_UnlockSurface(o->s);
    return rc;
}

uint32_t bv_offscreen_pixel(bv_offscreen *o, const bv_state *s, int x, int y)
{
    offscreen_draw(o, s);
    if (x < 0 || y < 0 || x >= o->s->w || y >= o->s->h)
        return 0;
    const uint32_t *row = (const uint32_t *)((const uint8_t *)o->s->pixels + y * o->s->pitch);
    return row[x] & 0xFFFFFF;
}
