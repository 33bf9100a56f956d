/* runs N CMD ::: CMD ...: the bench's start-up measurer. Runs the commands
 * round-robin (interleaved, so load changes hit them alike), N times each,
 * stdout to /dev/null, and prints one tab-separated line per command:
 *   index  wall_ms  cpu_ms  page_faults  max_rss_kb
 * medians over the N runs, except max_rss_kb (the largest). CPU (user +
 * system), page faults and peak RSS come from the kernel's accounting of
 * each child (wait4's rusage), so other processes on the machine do not
 * count; the wall time is the parent's fork-to-reap clock. A command that
 * fails stops the run. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 32

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double ms(struct timeval t) { return (double)t.tv_sec * 1e3 + (double)t.tv_usec / 1e3; }

int main(int argc, char **argv) {
  if (argc < 3 || atoi(argv[1]) < 1) {
    fprintf(stderr, "usage: runs N CMD ARGS... [::: CMD ARGS...]...\n");
    return 2;
  }
  int n = atoi(argv[1]), nc = 0;
  char **cmds[MAX_CMDS];
  cmds[nc++] = &argv[2];
  for (int i = 2; i < argc; i++)
    if (strcmp(argv[i], ":::") == 0) {
      if (nc == MAX_CMDS || i + 1 == argc) {
        fprintf(stderr, "runs: too many commands or an empty one\n");
        return 2;
      }
      argv[i] = NULL;
      cmds[nc++] = &argv[i + 1];
    }
  size_t total = (size_t)n * (size_t)nc;
  double *wall = calloc(total, sizeof(double)), *cpu = calloc(total, sizeof(double));
  double *faults = calloc(total, sizeof(double));
  long rss[MAX_CMDS] = {0};
  int devnull = open("/dev/null", O_WRONLY);
  if (!wall || !cpu || !faults || devnull < 0) {
    perror("runs");
    return 1;
  }
  for (int r = 0; r < n; r++)
    for (int c = 0; c < nc; c++) {
      struct timespec t0, t1;
      struct rusage ru;
      int status;
      clock_gettime(CLOCK_MONOTONIC, &t0);
      pid_t pid = fork();
      if (pid == 0) {
        dup2(devnull, 1);
        execvp(cmds[c][0], cmds[c]);
        _exit(127);
      }
      if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
        perror("runs");
        return 1;
      }
      clock_gettime(CLOCK_MONOTONIC, &t1);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "runs: `%s` failed (wait status %d)\n", cmds[c][0], status);
        return 1;
      }
      size_t k = (size_t)c * (size_t)n + (size_t)r;
      wall[k] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
      cpu[k] = ms(ru.ru_utime) + ms(ru.ru_stime);
      faults[k] = (double)(ru.ru_minflt + ru.ru_majflt);
      if (ru.ru_maxrss > rss[c]) rss[c] = ru.ru_maxrss;
    }
  for (int c = 0; c < nc; c++) {
    size_t o = (size_t)c * (size_t)n;
    printf("%d\t%.3f\t%.3f\t%.0f\t%ld\n", c, median(wall + o, n), median(cpu + o, n),
           median(faults + o, n), rss[c]);
  }
  return 0;
}
