#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1  // pkg-config's -D_XOPEN_SOURCE=600 is dropped by SwiftPM
#endif
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>
