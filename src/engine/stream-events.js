import { DirectReader } from "../transport/direct-read.js";
const READER = Symbol("zmtp.engine");
const onData = function (chunk) {
    this[READER].onChunk(chunk);
};
const onDrain = function () {
    this[READER].onDrain();
};
const onError = function (err) {
    this[READER].streamFailed(err);
};
const onEnded = function () {
    this[READER].streamEnded();
};
export function listenTo(stream, reader) {
    ;
    stream[READER] = reader;
    if (!DirectReader.attach(stream, reader))
        stream.on("data", onData);
    stream.on("drain", onDrain);
    stream.on("error", onError);
    stream.on("close", onEnded);
    stream.on("end", onEnded);
}
/** No more reads reach the engine (drain, error and close still do). */
export function stopReading(stream) {
    stream.off("data", onData);
    DirectReader.detach(stream);
}
