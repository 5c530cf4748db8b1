/** Types for draft-scenarios.mjs (plain JS so a child node process can load it as it is). */
export type Lib = "zmtp" | "libzmq"

/** What the scenarios use of a RADIO and a DISH (zmtp's and zeromq.js's draft classes alike). */
export interface RadioLike {
  send(message: string | Buffer, options: {group: string | Buffer}): Promise<void>
}
export interface DishLike {
  receive(): Promise<[Buffer, {group: Buffer}]>
  join(...groups: string[]): void
  leave(...groups: string[]): void
}
export interface Received {
  group: string
  body: string
  /** Both handed up as Buffers, as zeromq.js does. */
  typed: boolean
}

export function sleep(ms: number): Promise<void>
export function collect(dish: DishLike): Received[]
export function sendUntil(round: (i: number) => Promise<void>, enough: () => boolean, what: () => string, ms?: number, gapMs?: number): Promise<void>
export function checkDelivery(got: Received[], allowed: string[], when: string): void
export function radioDishFilter(o: {radio: RadioLike; dish: DishLike; want?: number; ms?: number}): Promise<Record<string, number>>
export function radiosToOneDish(o: {radios: {name: string; radio: RadioLike}[]; dish: DishLike; want?: number; ms?: number}): Promise<Record<string, number>>
export function radioToDishes(o: {radio: RadioLike; dishes: {name: string; dish: DishLike}[]; want?: number; ms?: number}): Promise<Record<string, number>>
