/* A host program built against the INSTALLED simdconv (CMake package and
   pkg-config), run by the host-package test. Conv2d(1, 2, 3, padding=1) with a
   bias, then MaxPool2d(2), on a 1x1x4x4 input holding 1..16; every expected
   value is derived by hand in the comments. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <simdconv.h>

static int failed;

static void expect(const char *what, const float *got, const float *want, int n)
{
    printf("%s:", what);
    for (int i = 0; i < n; i++)
        printf(" %g", (double)got[i]);
    printf("\n");
    for (int i = 0; i < n; i++) {
        if (fabsf(got[i] - want[i]) > 1e-4f * (1.0f + fabsf(want[i]))) {
            printf("MISMATCH %s[%d]: got %g, want %g\n", what, i, (double)got[i], (double)want[i]);
            failed++;
        }
    }
}

int main(void)
{
    /* x = [[ 1  2  3  4]
            [ 5  6  7  8]
            [ 9 10 11 12]
            [13 14 15 16]] */
    float x[16];
    for (int i = 0; i < 16; i++)
        x[i] = (float)(i + 1);

    /* Channel 0: a 3x3 box of ones, bias 0.5, zero padding 1: each output is
       the sum of the 3x3 neighbourhood that lies inside the image, plus 0.5.
       Channel 1: only the centre tap, weight 2, bias -1: 2*x - 1. */
    float w[2 * 9];
    for (int i = 0; i < 9; i++) {
        w[i] = 1.0f;
        w[9 + i] = 0.0f;
    }
    w[9 + 4] = 2.0f;
    const float bias[2] = {0.5f, -1.0f};

    sc_conv2d_desc d;
    sc_conv2d_desc_init(&d, 1, 1, 4, 4, 2, 3, 3);
    d.pad_h = d.pad_w = 1;
    int64_t ho = 0, wo = 0;
    if (sc_conv2d_output_size(&d, &ho, &wo) != SC_OK || ho != 4 || wo != 4) {
        printf("output size: got %lldx%lld, want 4x4 (%s)\n", (long long)ho, (long long)wo,
               sc_last_error());
        return 1;
    }

    sc_conv2d_plan *plan = NULL;
    sc_status st = sc_conv2d_plan_create(&d, w, bias, NULL, &plan);
    if (st != SC_OK) {
        printf("plan_create: %s: %s\n", sc_status_string(st), sc_last_error());
        return 1;
    }
    float y[2 * 16];
    memset(y, 0, sizeof y);
    st = sc_conv2d_run(plan, x, y);
    if (st != SC_OK) {
        printf("run: %s: %s\n", sc_status_string(st), sc_last_error());
        return 1;
    }
    printf("simdconv %s, isa %s\n", sc_version(), sc_isa_name(sc_isa_active()));
    printf("conv plan: %s\n", sc_conv2d_plan_describe(plan));
    sc_conv2d_plan_destroy(plan);

    /* Box sums: corners hold 4 pixels, edges 6, the inside 9. E.g. y[0][0] =
       1+2+5+6 = 14, y[0][1] = 1+2+3+5+6+7 = 24, y[1][1] = 1+2+3+5+6+7+9+10+11 = 54. */
    const float box[16] = {14, 24, 30, 22,
                           33, 54, 63, 45,
                           57, 90, 99, 69,
                           46, 72, 78, 54};
    float want[32];
    for (int i = 0; i < 16; i++) {
        want[i] = box[i] + 0.5f;
        want[16 + i] = 2.0f * x[i] - 1.0f;
    }
    expect("conv", y, want, 32);

    /* MaxPool2d(2) on both channels. Channel 0, blocks {14,24,33,54},
       {30,22,63,45}, {57,90,46,72}, {99,69,78,54} (+0.5): maxima 54.5, 63.5,
       90.5, 99.5 at flat indices 5, 6, 9, 10 of the 4x4 plane. Channel 1 grows
       with x: the bottom-right pixel of each block, 11, 15, 27, 31 at 5, 7, 13, 15. */
    sc_pool2d_desc p;
    sc_pool2d_desc_init(&p, SC_POOL_MAX, 1, 2, 4, 4, 2, 2);
    float z[8];
    int64_t idx[8];
    sc_pool2d_plan *pool = NULL;
    st = sc_pool2d_plan_create(&p, NULL, &pool);
    if (st == SC_OK)
        st = sc_pool2d_run(pool, y, z, idx);
    if (st != SC_OK) {
        printf("pool2d: %s: %s\n", sc_status_string(st), sc_last_error());
        return 1;
    }
    printf("pool plan: %s\n", sc_pool2d_plan_describe(pool));
    sc_pool2d_plan_destroy(pool);
    const float want_pool[8] = {54.5f, 63.5f, 90.5f, 99.5f, 11, 15, 27, 31};
    const int64_t want_idx[8] = {5, 6, 9, 10, 5, 7, 13, 15};
    expect("maxpool", z, want_pool, 8);
    for (int i = 0; i < 8; i++)
        if (idx[i] != want_idx[i]) {
            printf("MISMATCH index[%d]: got %lld, want %lld\n", i, (long long)idx[i],
                   (long long)want_idx[i]);
            failed++;
        }

    printf("host: %s\n", failed ? "FAILED" : "OK");
    return failed ? 1 : 0;
}
