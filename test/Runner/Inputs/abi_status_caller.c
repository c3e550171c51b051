/* A C caller of docs/ABI.md that reads the entry point's status: runs the
   Gather model of make_checked_models.py with valid and invalid indices. */
#include <stdint.h>
#include <stdio.h>

typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
} MemRef2DF32;

typedef struct {
  int64_t *allocated;
  int64_t *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
} MemRef1DI64;

int32_t _mlir_ciface_main_graph(MemRef2DF32 *data, MemRef1DI64 *indices,
                                MemRef2DF32 *y);
const char *main_graph_error_message(int32_t status);

static int32_t gather(int64_t i0, int64_t i1, int64_t i2, float y[3][4]) {
  float data[5][4];
  for (int i = 0; i < 20; ++i)
    data[i / 4][i % 4] = (float)i;
  int64_t indices[3] = {i0, i1, i2};
  MemRef2DF32 mdata = {&data[0][0], &data[0][0], 0, {5, 4}, {4, 1}};
  MemRef1DI64 mindices = {indices, indices, 0, {3}, {1}};
  MemRef2DF32 my = {&y[0][0], &y[0][0], 0, {3, 4}, {4, 1}};
  return _mlir_ciface_main_graph(&mdata, &mindices, &my);
}

int main(void) {
  float y[3][4] = {{0}};
  int32_t status = gather(4, -5, 1, y);
  printf("status %d: %g %g %g\n", status, y[0][0], y[1][0], y[2][0]);
  for (int i = 0; i < 3; ++i)
    y[i][0] = -1;
  status = gather(1, 7, 2, y);
  const char *message = main_graph_error_message(status);
  printf("status %d: %s\n", status, message ? message : "(none)");
  /* Nothing was written: the check comes before the Gather. */
  printf("output %g %g %g\n", y[0][0], y[1][0], y[2][0]);
  printf("status 0: %s\n", main_graph_error_message(0) ? "message" : "(none)");
  /* Numbers past the last check and negative ones name nothing. */
  printf("status 100000: %s\n",
         main_graph_error_message(100000) ? "message" : "(none)");
  printf("status -1: %s\n", main_graph_error_message(-1) ? "message" : "(none)");
  return 0;
}
