#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1  // pkg-config's -D_XOPEN_SOURCE=600 is dropped by SwiftPM
#endif
#include <locale.h>
#include <wchar.h>
#include <stdio.h>
#include <signal.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
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

/// Opens a curses screen whose output goes to descriptor `out_fd` (taken over by the screen) and whose input is
/// standard input (or /dev/null when `null_input`, for headless recording); `type` NULL means `TERM`. NULL when the
/// terminal cannot be set up.
KMEANS_SHIM SCREEN *kmeans_newterm_fd(const char *type, int out_fd, int null_input) {
    FILE *input = null_input ? fopen("/dev/null", "r") : stdin;
    FILE *out = fdopen(out_fd, "w");
    if (out == NULL || input == NULL) return NULL;
    return newterm(type, out, input);
}

/// Bytes queued in a terminal's output buffer (TIOCOUTQ); -1 when unknown. Always 0 on a pty.
KMEANS_SHIM int kmeans_output_queue(int fd) {
    int queued = 0;
    if (ioctl(fd, TIOCOUTQ, &queued) != 0) return -1;
    return queued;
}

/// Bytes waiting to be read on a descriptor (FIONREAD); -1 when unknown.
KMEANS_SHIM int kmeans_readable_bytes(int fd) {
    int available = 0;
    if (ioctl(fd, FIONREAD, &available) != 0) return -1;
    return available;
}

/// The window size of terminal `fd`: 0 and (rows, cols), or -1.
KMEANS_SHIM int kmeans_window_size(int fd, int *rows, int *cols) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0) return -1;
    *rows = size.ws_row;
    *cols = size.ws_col;
    return 0;
}

/// Whether the current terminal can move the cursor (terminfo `cup`); without it a full-screen UI is garbage.
KMEANS_SHIM int kmeans_can_address_cursor(void) {
    char *cup = tigetstr("cup");
    return cup != NULL && cup != (char *)-1;
}

extern int posix_openpt(int flags);
extern int grantpt(int fd);
extern int unlockpt(int fd);
extern int ptsname_r(int fd, char *buf, size_t buflen);

/// Opens a pseudo-terminal pair's master (for test harnesses that play the far end of a line); its slave's path goes
/// into `name`. The master, or -1.
static inline int kmeans_open_pty_master(char *name, size_t size) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0) return -1;
    if (grantpt(master) != 0 || unlockpt(master) != 0 || ptsname_r(master, name, size) != 0) {
        close(master);
        return -1;
    }
    return master;
}

