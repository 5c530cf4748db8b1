import {describe, expect, test} from "vitest"
import {isUnder, joinVpath, normalizeVpath, relativeTo, safeSegments} from "../../src/filemq/paths.js"

describe("virtual paths", () => {
  test("normalise", () => {
    expect(normalizeVpath("/")).toBe("/")
    expect(normalizeVpath("//a///b/")).toBe("/a/b")
    expect(normalizeVpath("a/b")).toBeNull()
    expect(normalizeVpath("/a/../b")).toBeNull()
    expect(normalizeVpath("/a/\0")).toBeNull()
  })

  test("subscriptions match whole segments", () => {
    expect(isUnder("/photos/a.jpg", "/photos")).toBe(true)
    expect(isUnder("/photos", "/photos")).toBe(true)
    expect(isUnder("/photosynthesis.txt", "/photos")).toBe(false)
    expect(isUnder("/anything", "/")).toBe(true)
    expect(relativeTo("/photos/2024/a.jpg", "/photos")).toBe("2024/a.jpg")
    expect(relativeTo("/a.txt", "/")).toBe("a.txt")
    expect(joinVpath("/", "a/b")).toBe("/a/b")
    expect(joinVpath("/x", "a")).toBe("/x/a")
  })

  test("names from the network", () => {
    expect(safeSegments("a/b/c.txt")).toEqual(["a", "b", "c.txt"])
    expect(safeSegments("été ☀️/日本語.md")).toEqual(["été ☀️", "日本語.md"])
    for (const bad of ["", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a\\b", "a\0b", "bad\uFFFDutf8", ".filemq/manifest.json", "a/.x.filemq-part", "x".repeat(256)]) {
      expect(safeSegments(bad), JSON.stringify(bad)).toBeNull()
    }
    expect(safeSegments("sub/.filemq/ok")).toEqual(["sub", ".filemq", "ok"]) // only the inbox's own state folder is reserved
  })
})
