#include <stdio.h>

#ifndef VERSION
#define VERSION "unknown"
#endif

int main(void) {
  printf("c-hello %s\n", VERSION);
  return 0;
}
