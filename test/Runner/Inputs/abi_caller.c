/* The C caller of docs/ABI.md: runs the compiled add.mlir. */
#include <stdint.h>
#include <stdio.h>

/* A rank-2 float memref descriptor, as _mlir_ciface_main_graph expects. */
typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
} MemRef2DF32;

int32_t _mlir_ciface_main_graph(MemRef2DF32 *a, MemRef2DF32 *b,
                                MemRef2DF32 *sum);

static MemRef2DF32 wrap(float *data, int64_t rows, int64_t cols) {
  MemRef2DF32 m = {data, data, 0, {rows, cols}, {cols, 1}};
  return m;
}

int main(void) {
  float a[2][3] = {{0, 1, 2}, {3, 4, 5}};
  float b[2][3] = {{10, 10, 10}, {20, 20, 20}};
  float sum[2][3];
  MemRef2DF32 ma = wrap(&a[0][0], 2, 3), mb = wrap(&b[0][0], 2, 3),
              ms = wrap(&sum[0][0], 2, 3);
  if (_mlir_ciface_main_graph(&ma, &mb, &ms) != 0)
    return 1;
  for (int i = 0; i < 2; ++i)
    printf("%g %g %g\n", sum[i][0], sum[i][1], sum[i][2]);
  return 0;
}
