/**
 * Frames that arrive while the security mechanism waits for a ZAP answer (27/ZAP: the server
 * answers the client only once the handler has), kept in order and replayed when it comes.
 */
import type {Buffer} from "node:buffer"
import type {FrameHandler} from "../wire/frame.js"

type Held = {command: Buffer; message?: undefined} | {message: Buffer[]; command?: undefined}

export class HeldFrames {
  private frames: Held[] = []

  command(body: Buffer): void {
    this.frames.push({command: body})
  }

  message(frames: Buffer[]): void {
    this.frames.push({message: frames})
  }

  /**
   * Feeds the frames to `to` in order. If one of them makes it wait again (`holding()` returns a
   * new HeldFrames), the rest move there, still in order.
   */
  replay(to: FrameHandler, holding: () => HeldFrames | null): void {
    const frames = this.frames
    for (let i = 0; i < frames.length; i++) {
      const h = frames[i]!
      if (h.command) to.onCommand(h.command)
      else to.onMessage(h.message!)
      const again = holding()
      if (again) {
        again.frames.push(...frames.slice(i + 1))
        return
      }
    }
  }
}
