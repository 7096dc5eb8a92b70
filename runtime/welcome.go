package runtime

// welcomeFlow is written on first start: a tab a new user can click
// through (inject → debug) and an HTTP endpoint (GET /hello).
const welcomeFlow = `[
    {"id":"welcome.tab","type":"tab","label":"Welcome","disabled":false,"info":"Your first Flowgate flow.","env":[]},
    {"id":"welcome.comment","type":"comment","z":"welcome.tab","name":"Welcome to Flowgate","info":"Click the inject node's button and watch the debug sidebar.\nOpen http://localhost:1880/hello for the HTTP endpoint.","x":170,"y":40,"wires":[]},
    {"id":"welcome.inject","type":"inject","z":"welcome.tab","name":"say hello","props":[{"p":"payload"},{"p":"topic","vt":"str"}],"repeat":"","crontab":"","once":false,"onceDelay":0.1,"topic":"welcome","payload":"Hello from Flowgate","payloadType":"str","x":150,"y":100,"wires":[["welcome.debug"]]},
    {"id":"welcome.debug","type":"debug","z":"welcome.tab","name":"","active":true,"tosidebar":true,"console":false,"tostatus":false,"complete":"false","statusVal":"","statusType":"auto","x":370,"y":100,"wires":[]},
    {"id":"welcome.httpin","type":"http in","z":"welcome.tab","name":"","url":"/hello","method":"get","upload":false,"swaggerDoc":"","x":140,"y":180,"wires":[["welcome.change"]]},
    {"id":"welcome.change","type":"change","z":"welcome.tab","name":"greeting","rules":[{"t":"set","p":"payload","pt":"msg","to":"{\"hello\":\"world\",\"from\":\"flowgate\"}","tot":"json"}],"action":"","property":"","from":"","to":"","reg":false,"x":330,"y":180,"wires":[["welcome.httpres"]]},
    {"id":"welcome.httpres","type":"http response","z":"welcome.tab","name":"","statusCode":"","headers":{},"x":520,"y":180,"wires":[]}
]`
