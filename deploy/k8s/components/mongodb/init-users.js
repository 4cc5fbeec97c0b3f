// First-boot script of a MongoDB server (run by the mongo image's entrypoint, as the root user,
// from /docker-entrypoint-initdb.d/). For every service whose <SERVICE>_DB_PASSWORD variable is
// set, it creates the user <service> with readWrite on the database presscenter_<service> only.
// Kubernetes runs one server per service (one variable each); deploy/compose.yaml runs one
// server with all five. The services' MONGO_URI: mongodb://<service>:<password>@<host>:27017/
// presscenter_<service>?authSource=presscenter_<service>
const services = ["releases", "feedback", "monitoring", "media", "gateway"];
for (const service of services) {
  const password = process.env[`${service.toUpperCase()}_DB_PASSWORD`];
  if (!password) {
    continue;
  }
  const name = `presscenter_${service}`;
  const database = db.getSiblingDB(name);
  if (database.getUser(service) === null) {
    database.createUser({ user: service, pwd: password, roles: [{ role: "readWrite", db: name }] });
    print(`presscenter: created user ${service} with readWrite on ${name}`);
  }
}
