/*
 * zmq_perf: the "libzmq C" contender of bench/ (see bench/README.md). libzmq used from C the
 * plain way, in the shape of libzmq's perf tools (local_thr/remote_thr, local_lat/remote_lat),
 * written for this project. bench/lib/libzmq-c.mjs compiles it (cc -O2 ... -lzmq) and runs it,
 * one process per role. Socket options stay at libzmq's defaults (SNDHWM/RCVHWM 1000, linger -1),
 * as for the other contenders.
 *
 *   zmq_perf version
 *   zmq_perf thr-recv   <bind-endpoint>    <size> <count>
 *   zmq_perf thr-send   <connect-endpoint> <size> <count>
 *   zmq_perf lat-server <bind-endpoint>    <size> <roundtrips>
 *   zmq_perf lat-client <connect-endpoint> <size> <roundtrips> [warmup]
 *
 * Every line on stdout is one JSON object. Binding modes first print {"endpoint": ...}, the
 * endpoint libzmq resolved (ZMQ_LAST_ENDPOINT: the port a tcp://...:* bind got), for the other
 * side to connect to. Errors go to stderr with exit status 1.
 *
 * thr-recv (PULL) receives <count> messages of <size> bytes; its clock runs from the first
 * message to the last, as in local_thr. thr-send (PUSH) sends <count> messages, then keeps its
 * socket open until its stdin ends (run it with </dev/null to close at once): over ipc, libzmq
 * 4.3.4 here lost the last ~1,300 of 1.5 M messages in about half the runs when the sender closed
 * right away, linger -1 notwithstanding (libzmq issue #4660 reports ipc ignoring LINGER), so the
 * orchestrator ends its stdin only once the receiver has counted every message.
 * lat-server (REP) echoes <roundtrips> messages, or with 0 until SIGTERM/SIGINT (seen within
 * 100 ms). lat-client (REQ)
 * does <warmup> untimed round trips, then <roundtrips> timed ones and prints the mean. With
 * <roundtrips> 0 it runs bursts on demand instead: after the warm-up it prints {"warm":true}, then
 * reads one number per line from stdin and answers each N > 0 with the time of N round trips;
 * 0 or end of input ends it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <zmq.h>

static void die(const char *what) {
  fprintf(stderr, "zmq_perf: %s: %s\n", what, zmq_strerror(zmq_errno()));
  exit(1);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long maxrss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static long parse_count(const char *s, const char *name, long min) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < min) {
    fprintf(stderr, "zmq_perf: bad %s \"%s\"\n", name, s);
    exit(2);
  }
  return v;
}

static void *open_socket(void *ctx, int type, const char *endpoint, int bind) {
  void *s = zmq_socket(ctx, type);
  if (!s) die("zmq_socket");
  if (bind) {
    if (zmq_bind(s, endpoint) != 0) die("zmq_bind");
    char resolved[1024];
    size_t len = sizeof resolved;
    if (zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, resolved, &len) != 0) die("ZMQ_LAST_ENDPOINT");
    printf("{\"endpoint\":\"%s\"}\n", resolved);
    fflush(stdout);
  } else if (zmq_connect(s, endpoint) != 0) {
    die("zmq_connect");
  }
  return s;
}

static void finish(void *ctx, void *s) {
  if (zmq_close(s) != 0) die("zmq_close");
  if (zmq_ctx_term(ctx) != 0) die("zmq_ctx_term");
}

/* One message of `size` bytes, received into `msg`; anything else is an error. */
static void recv_exact(void *s, zmq_msg_t *msg, size_t size) {
  if (zmq_msg_recv(msg, s, 0) < 0) die("zmq_msg_recv");
  if (zmq_msg_size(msg) != size || zmq_msg_more(msg)) {
    fprintf(stderr, "zmq_perf: got %zu bytes (more=%d), expected %zu\n", zmq_msg_size(msg), zmq_msg_more(msg), size);
    exit(1);
  }
}

static int thr_recv(void *ctx, const char *endpoint, size_t size, long count) {
  void *s = open_socket(ctx, ZMQ_PULL, endpoint, 1);
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  recv_exact(s, &msg, size);
  double t0 = now_s();
  for (long i = 1; i < count; i++) recv_exact(s, &msg, size);
  double elapsed = now_s() - t0;
  zmq_msg_close(&msg);
  finish(ctx, s);
  printf("{\"count\":%ld,\"size\":%zu,\"elapsed\":%.9f,\"maxrss_kb\":%ld}\n", count, size, elapsed, maxrss_kb());
  return 0;
}

static int thr_send(void *ctx, const char *endpoint, size_t size, long count) {
  void *s = open_socket(ctx, ZMQ_PUSH, endpoint, 0);
  char *buf = malloc(size ? size : 1);
  memset(buf, 'a', size);
  for (long i = 0; i < count; i++)
    if (zmq_send(s, buf, size, 0) < 0) die("zmq_send");
  while (getchar() != EOF) {
  }
  finish(ctx, s);
  free(buf);
  printf("{\"sent\":%ld,\"maxrss_kb\":%ld}\n", count, maxrss_kb());
  return 0;
}

static volatile sig_atomic_t stop_requested = 0;
static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static int lat_server(void *ctx, const char *endpoint, size_t size, long roundtrips) {
  /* Without SA_RESTART, SIGTERM makes a blocked zmq_msg_recv return EINTR. A signal that comes
   * while the thread is not blocked (say, handling a disconnect) is seen at the next timeout:
   * with roundtrips 0, a receive gives up after 100 ms without a message to check the flag. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  void *s = open_socket(ctx, ZMQ_REP, endpoint, 1);
  if (roundtrips == 0) {
    int timeout_ms = 100;
    if (zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms) != 0) die("ZMQ_RCVTIMEO");
  }
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  long echoed = 0;
  while (roundtrips == 0 ? !stop_requested : echoed < roundtrips) {
    if (zmq_msg_recv(&msg, s, 0) < 0) {
      if (roundtrips == 0 && (zmq_errno() == EINTR || zmq_errno() == EAGAIN)) continue;
      die("zmq_msg_recv");
    }
    if (zmq_msg_size(&msg) != size) {
      fprintf(stderr, "zmq_perf: request of %zu bytes, expected %zu\n", zmq_msg_size(&msg), size);
      return 1;
    }
    if (zmq_msg_send(&msg, s, 0) < 0) die("zmq_msg_send");
    echoed++;
  }
  zmq_msg_close(&msg);
  int zero = 0;
  zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
  finish(ctx, s);
  printf("{\"echoed\":%ld,\"maxrss_kb\":%ld}\n", echoed, maxrss_kb());
  return 0;
}

static double round_trips(void *s, const char *buf, size_t size, long n) {
  zmq_msg_t reply;
  zmq_msg_init(&reply);
  double t0 = now_s();
  for (long i = 0; i < n; i++) {
    if (zmq_send(s, buf, size, 0) < 0) die("zmq_send");
    recv_exact(s, &reply, size);
  }
  double elapsed = now_s() - t0;
  zmq_msg_close(&reply);
  return elapsed;
}

static int lat_client(void *ctx, const char *endpoint, size_t size, long roundtrips, long warmup) {
  void *s = open_socket(ctx, ZMQ_REQ, endpoint, 0);
  char *buf = malloc(size ? size : 1);
  memset(buf, 'a', size);
  round_trips(s, buf, size, warmup);
  if (roundtrips > 0) {
    double elapsed = round_trips(s, buf, size, roundtrips);
    printf("{\"roundtrips\":%ld,\"size\":%zu,\"elapsed\":%.9f,\"rtt_us\":%.3f,\"maxrss_kb\":%ld}\n", roundtrips, size, elapsed, elapsed * 1e6 / roundtrips, maxrss_kb());
  } else {
    printf("{\"warm\":true}\n");
    fflush(stdout);
    char line[64];
    while (fgets(line, sizeof line, stdin)) {
      long n = strtol(line, NULL, 10);
      if (n <= 0) break;
      double elapsed = round_trips(s, buf, size, n);
      printf("{\"burst\":%ld,\"elapsed\":%.9f,\"rtt_us\":%.3f}\n", n, elapsed, elapsed * 1e6 / n);
      fflush(stdout);
    }
    printf("{\"done\":true,\"maxrss_kb\":%ld}\n", maxrss_kb());
  }
  free(buf);
  finish(ctx, s);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "version") == 0) {
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    printf("{\"version\":\"%d.%d.%d\"}\n", major, minor, patch);
    return 0;
  }
  if (argc < 5 || argc > 6) {
    fprintf(stderr,
            "usage: zmq_perf version\n"
            "       zmq_perf thr-recv <endpoint> <size> <count>\n"
            "       zmq_perf thr-send <endpoint> <size> <count>   (closes when stdin ends)\n"
            "       zmq_perf lat-server <endpoint> <size> <roundtrips, 0 = until SIGTERM>\n"
            "       zmq_perf lat-client <endpoint> <size> <roundtrips, 0 = bursts from stdin> [warmup]\n");
    return 2;
  }
  const char *mode = argv[1], *endpoint = argv[2];
  size_t size = (size_t)parse_count(argv[3], "size", 0);
  void *ctx = zmq_ctx_new();
  if (!ctx) die("zmq_ctx_new");
  if (strcmp(mode, "thr-recv") == 0) return thr_recv(ctx, endpoint, size, parse_count(argv[4], "count", 1));
  if (strcmp(mode, "thr-send") == 0) return thr_send(ctx, endpoint, size, parse_count(argv[4], "count", 1));
  if (strcmp(mode, "lat-server") == 0) return lat_server(ctx, endpoint, size, parse_count(argv[4], "roundtrips", 0));
  if (strcmp(mode, "lat-client") == 0) return lat_client(ctx, endpoint, size, parse_count(argv[4], "roundtrips", 0), argc == 6 ? parse_count(argv[5], "warmup", 0) : 0);
  fprintf(stderr, "zmq_perf: unknown mode \"%s\"\n", mode);
  return 2;
}
