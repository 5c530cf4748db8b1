/**
 * `npm start`: two zmtp sockets talking over tcp on loopback, with the wire trace on, so you can
 * watch the ZMTP greeting, the NULL handshake and the frames go by.
 */
import {Reply, Request} from "./index.js"
import {setTraceSink} from "./engine/trace.js"

async function main(): Promise<void> {
  process.env.ZMTP_DEBUG ??= "wire"
  setTraceSink(line => console.log("   " + line))
  const rep = new Reply()
  await rep.bind("tcp://127.0.0.1:*")
  const address = rep.lastEndpoint!
  console.log(`REP bound at ${address}`)
  const req = new Request()
  req.connect(address)
  console.log(`REQ connected to ${address}`)

  for (const text of ["hello", "ZeroMQ in pure TypeScript"]) {
    await req.send(text)
    const [request] = await rep.receive()
    console.log(`REP got request: ${request}`)
    await rep.send(`echo: ${request}`)
    const [reply] = await req.receive()
    console.log(`REQ got reply:   ${reply}`)
  }
  req.close()
  rep.close()
  console.log("done")
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
