/** Service: needs the service-analytics API (Service.stats). */
export default function ServiceView({ name }: { name: string }) {
  return (
    <section aria-labelledby="service-title">
      <h1 id="service-title">Service {name}</h1>
      <p className="muted">This gateway does not serve the service-analytics API (Service.stats) yet.</p>
    </section>
  );
}
