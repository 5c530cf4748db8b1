export class HeldFrames {
    frames = [];
    command(body) {
        this.frames.push({ command: body });
    }
    message(frames) {
        this.frames.push({ message: frames });
    }
    /**
     * Feeds the frames to `to` in order. If one of them makes it wait again (`holding()` returns a
     * new HeldFrames), the rest move there, still in order.
     */
    replay(to, holding) {
        const frames = this.frames;
        for (let i = 0; i < frames.length; i++) {
            const h = frames[i];
            if (h.command)
                to.onCommand(h.command);
            else
                to.onMessage(h.message);
            const again = holding();
            if (again) {
                again.frames.push(...frames.slice(i + 1));
                return;
            }
        }
    }
}
