// compose's one-shot mongo-init job (mongosh --nodb): makes mongo-1..3 the replica set rs0,
// waits for its primary, then creates (or updates) the app's user. Every step checks first, so
// the job runs again harmlessly on each `docker compose up`. Reads MONGO_ROOT_USER,
// MONGO_ROOT_PASSWORD (the root user mongo-1 was started with), MONGO_USER, MONGO_PASSWORD
// and MONGODB_DATABASE from the environment.
const SET = "rs0";
const MEMBERS = ["mongo-1:27017", "mongo-2:27017", "mongo-3:27017"];
// Each service has its own database, <MONGODB_DATABASE>_<service> (service_kit/storage).
const SERVICES = ["auth", "chat", "mail"];
const env = process.env;
const root = `${encodeURIComponent(env.MONGO_ROOT_USER)}:${encodeURIComponent(env.MONGO_ROOT_PASSWORD)}`;

function waitFor(what, ready, seconds = 180) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      if (ready()) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    print(`waiting for ${what}`);
    sleep(2000);
  }
}

// mongosh throws on a failed command where the legacy shell returned {ok: 0}: take both.
function command(database, body) {
  try {
    return database.runCommand(body);
  } catch (error) {
    return { ok: 0, codeName: error.codeName, errmsg: error.message };
  }
}

function connect(hosts, options) {
  return new Mongo(`mongodb://${root}@${hosts}/?authSource=admin&serverSelectionTimeoutMS=5000&${options}`);
}

function answers(host) {
  try {
    const direct = new Mongo(`mongodb://${host}/?directConnection=true&serverSelectionTimeoutMS=2000`);
    return direct.getDB("admin").runCommand({ hello: 1 }).ok === 1; // hello needs no login
  } catch {
    return false;
  }
}

// Only a set never initiated is initiated, and only once all three answer (replSetInitiate
// asks every member). A set that exists needs only its primary: a later `up` with a member
// down goes on.
function initiateIfNew() {
  for (const host of MEMBERS) if (!answers(host)) return;
  const first = connect(MEMBERS[0], "directConnection=true").getDB("admin");
  const status = command(first, { replSetGetStatus: 1 });
  if (status.ok === 1) return; // initiated: its election is under way
  if (status.codeName !== "NotYetInitialized") {
    print(`replSetGetStatus on ${MEMBERS[0]}: ${status.errmsg}`);
    return;
  }
  const members = MEMBERS.map((host, index) => ({ _id: index, host }));
  const initiated = command(first, { replSetInitiate: { _id: SET, members } });
  if (initiated.ok !== 1) throw new Error(`replSetInitiate failed: ${initiated.errmsg}`);
  print(`replica set ${SET} initiated with ${MEMBERS.join(", ")}`);
}

// Through the set, as the services connect: a command waits (up to 5 s) for its primary.
let admin;
waitFor(`a primary of ${SET}`, () => {
  try {
    admin = connect(MEMBERS.join(","), `replicaSet=${SET}`).getDB("admin");
    if (admin.hello().isWritablePrimary === true) return true;
  } catch {
    initiateIfNew();
  }
  return false;
});

const roles = SERVICES.map((service) => ({ role: "readWrite", db: `${env.MONGODB_DATABASE}_${service}` }));
const majority = { w: "majority", wtimeout: 30000 };
if (admin.getUser(env.MONGO_USER) === null) {
  admin.createUser({ user: env.MONGO_USER, pwd: env.MONGO_PASSWORD, roles }, majority);
  print(`created the app's user ${env.MONGO_USER}`);
} else {
  admin.updateUser(env.MONGO_USER, { pwd: env.MONGO_PASSWORD, roles }, majority);
  print(`updated the app's user ${env.MONGO_USER}`);
}
