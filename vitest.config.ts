import {defineConfig} from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20000,
    hookTimeout: 20000,
    // Real sockets on loopback: keep files in separate forks so one file's sockets never
    // share a process with another's.
    pool: "forks",
  },
})
