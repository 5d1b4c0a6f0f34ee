#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1  // pkg-config's -D_XOPEN_SOURCE=600 is dropped by SwiftPM
#endif
#include <locale.h>
#include <wchar.h>
#include <stdio.h>
#include <signal.h>
#include <ncursesw/curses.h>

// Macros and globals Swift cannot import (or cannot touch under strict concurrency), as inline functions.
#define KMEANS_SHIM static inline __attribute__((__always_inline__))

KMEANS_SHIM WINDOW *kmeans_stdscr(void) { return stdscr; }
KMEANS_SHIM int kmeans_colors(void) { return COLORS; }

KMEANS_SHIM attr_t kmeans_A_NORMAL(void) { return A_NORMAL; }
KMEANS_SHIM attr_t kmeans_A_BOLD(void) { return A_BOLD; }
KMEANS_SHIM attr_t kmeans_A_DIM(void) { return A_DIM; }
KMEANS_SHIM attr_t kmeans_A_REVERSE(void) { return A_REVERSE; }
KMEANS_SHIM attr_t kmeans_A_UNDERLINE(void) { return A_UNDERLINE; }

KMEANS_SHIM mmask_t kmeans_BUTTON1_CLICKED(void) { return BUTTON1_CLICKED; }
KMEANS_SHIM mmask_t kmeans_BUTTON1_PRESSED(void) { return BUTTON1_PRESSED; }

/// The screen size (getmaxyx is a statement macro).
KMEANS_SHIM void kmeans_getmaxyx(int *rows, int *cols) {
    int y, x;
    getmaxyx(stdscr, y, x);
    *rows = y;
    *cols = x;
}

/// Draws one wide character with attributes and an (extended) colour pair at (y, x). The bottom-right cell is
/// inserted rather than added, because adding there would scroll and return ERR.
KMEANS_SHIM int kmeans_put_cell(int y, int x, wchar_t ch, attr_t attrs, int pair, int is_last_cell) {
    cchar_t cell;
    wchar_t text[2] = { ch, 0 };
    if (setcchar(&cell, text, attrs, 0, &pair) != OK) return ERR;
    if (is_last_cell) return mvins_wch(y, x, &cell);
    return mvadd_wch(y, x, &cell);
}

/// One mouse event: returns OK and fills (y, x, bstate), or ERR.
KMEANS_SHIM int kmeans_get_mouse(int *y, int *x, mmask_t *bstate) {
    MEVENT event;
    if (getmouse(&event) != OK) return ERR;
    *y = event.y;
    *x = event.x;
    *bstate = event.bstate;
    return OK;
}

/// Opens a curses screen on the process's standard output and input; NULL when the terminal cannot be set up
/// (unlike initscr, which exits the process).
KMEANS_SHIM SCREEN *kmeans_newterm_stdio(void) { return newterm(NULL, stdout, stdin); }

/// Whether the current terminal can move the cursor (terminfo `cup`); without it a full-screen UI is garbage.
KMEANS_SHIM int kmeans_can_address_cursor(void) {
    char *cup = tigetstr("cup");
    return cup != NULL && cup != (char *)-1;
}
