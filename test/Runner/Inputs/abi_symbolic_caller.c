/* Calls a model compiled once with symbolic batch and sequence dimensions
 * (make_symbolic_mlp.py) at two sizes, as docs/ABI.md describes: the output
 * shape from main_graph_output_shapes, then main_graph into a buffer of
 * that shape; and once with an output buffer of the wrong size. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[3], strides[3];
} Tensor3;
typedef struct {
  int64_t *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} Shape;

int32_t _mlir_ciface_main_graph_output_shapes(Tensor3 *x, Shape *y);
int32_t _mlir_ciface_main_graph(Tensor3 *x, Tensor3 *y);
const char *main_graph_error_message(int32_t status);

static Tensor3 wrap(float *data, const int64_t *sizes) {
  Tensor3 t = {data, data, 0, {sizes[0], sizes[1], sizes[2]},
               {sizes[1] * sizes[2], sizes[2], 1}};
  return t;
}

static float *readFloats(const char *dir, const char *name, int64_t count) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  float *data = malloc(count * sizeof(float));
  if (!f || fread(data, sizeof(float), count, f) != (size_t)count) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  fclose(f);
  return data;
}

static int runAt(const char *dir, int64_t batch, int64_t sequence) {
  char name[64];
  int64_t inSizes[3] = {batch, sequence, 16};
  snprintf(name, sizeof name, "x_%lldx%lld.bin", (long long)batch,
           (long long)sequence);
  float *x = readFloats(dir, name, batch * sequence * 16);
  Tensor3 input = wrap(x, inSizes);

  int64_t shape[3] = {-1, -1, -1};
  Shape shapeDesc = {shape, shape, 0, {3}, {1}};
  int32_t status = _mlir_ciface_main_graph_output_shapes(&input, &shapeDesc);
  printf("shape status %d: %lld %lld %lld\n", status, (long long)shape[0],
         (long long)shape[1], (long long)shape[2]);

  int64_t count = shape[0] * shape[1] * shape[2];
  float *y = malloc(count * sizeof(float));
  Tensor3 output = wrap(y, shape);
  status = _mlir_ciface_main_graph(&input, &output);
  snprintf(name, sizeof name, "y_%lldx%lld.bin", (long long)batch,
           (long long)sequence);
  float *expected = readFloats(dir, name, count);
  double maxError = 0;
  for (int64_t i = 0; i < count; ++i)
    maxError = fmax(maxError, fabs((double)y[i] - expected[i]));
  printf("run status %d: max error %s\n", status,
         maxError <= 1e-5 ? "below 1e-5" : "TOO LARGE");

  /* One row short: the function refuses instead of writing past it. */
  int64_t shortSizes[3] = {shape[0], shape[1] - 1, shape[2]};
  Tensor3 shortOutput = wrap(y, shortSizes);
  status = _mlir_ciface_main_graph(&input, &shortOutput);
  printf("short buffer status %s: %s\n", status ? "nonzero" : "0",
         status ? main_graph_error_message(status) : "(none)");
  free(x);
  free(y);
  free(expected);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  runAt(argv[1], 1, 7);
  runAt(argv[1], 8, 512);
  return 0;
}
