// Prints the kernel OpenBLAS chose for this CPU (what BLASTuning.coreName reads in the server),
// for bench/http/common.sh. Declared here rather than through cblas.h: it is the only call.
#include <stdio.h>

char *openblas_get_corename(void);

int main(void) {
  puts(openblas_get_corename());
  return 0;
}
