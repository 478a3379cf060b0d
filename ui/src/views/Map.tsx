/** Service map: needs the service-analytics API (Query.serviceGraph). */
export default function MapView() {
  return (
    <section aria-labelledby="map-title">
      <h1 id="map-title">Service map</h1>
      <p className="muted">This gateway does not serve the service-analytics API (serviceGraph) yet.</p>
    </section>
  );
}
