/** One pattern per libzmq socket type id. */
import { errnoError } from "../../errors.js";
import { SocketTypeId } from "../../wire/socket-type.js";
import { DealerPattern } from "./dealer.js";
import { PairPattern } from "./pair.js";
import { PullPattern } from "./pull.js";
import { PushPattern } from "./push.js";
import { RepPattern } from "./rep.js";
import { ReqPattern } from "./req.js";
import { RouterPattern } from "./router.js";
import { StreamPattern } from "./stream.js";
import { PubPattern } from "./pub.js";
import { SubPattern } from "./sub.js";
import { XPubPattern } from "./xpub.js";
import { XSubPattern } from "./xsub.js";
import { ServerPattern } from "./server.js";
import { ClientPattern } from "./client.js";
import { RadioPattern } from "./radio.js";
import { DishPattern } from "./dish.js";
import { GatherPattern } from "./gather.js";
import { ScatterPattern } from "./scatter.js";
import { DgramPattern } from "./dgram.js";
import { PeerPattern } from "./peer.js";
import { ChannelPattern } from "./channel.js";
export function createPattern(type, host) {
    switch (type) {
        case SocketTypeId.PAIR:
            return new PairPattern(host);
        case SocketTypeId.PUB:
            return new PubPattern(host);
        case SocketTypeId.SUB:
            return new SubPattern(host);
        case SocketTypeId.REQ:
            return new ReqPattern(host);
        case SocketTypeId.REP:
            return new RepPattern(host);
        case SocketTypeId.DEALER:
            return new DealerPattern(host);
        case SocketTypeId.ROUTER:
            return new RouterPattern(host);
        case SocketTypeId.PULL:
            return new PullPattern(host);
        case SocketTypeId.PUSH:
            return new PushPattern(host);
        case SocketTypeId.XPUB:
            return new XPubPattern(host, true);
        case SocketTypeId.XSUB:
            return new XSubPattern(host, false);
        case SocketTypeId.STREAM:
            return new StreamPattern(host);
        case SocketTypeId.SERVER:
            return new ServerPattern(host);
        case SocketTypeId.CLIENT:
            return new ClientPattern(host);
        case SocketTypeId.RADIO:
            return new RadioPattern(host);
        case SocketTypeId.DISH:
            return new DishPattern(host);
        case SocketTypeId.GATHER:
            return new GatherPattern(host);
        case SocketTypeId.SCATTER:
            return new ScatterPattern(host);
        case SocketTypeId.DGRAM:
            return new DgramPattern(host);
        case SocketTypeId.PEER:
            return new PeerPattern(host);
        case SocketTypeId.CHANNEL:
            return new ChannelPattern(host);
    }
    throw errnoError("EINVAL");
}
