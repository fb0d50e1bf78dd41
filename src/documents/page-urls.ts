// URLs of the page preview's resources; the render version makes a re-converted page a new URL.
export const pageImageUrl = (id: number, n: number, version: number) => `/api/v1/documents/${id}/pages/${n}/image?v=${version}`;
export const pageTextUrl = (id: number, n: number) => `/api/v1/documents/${id}/pages/${n}/text`;
export const thumbnailUrl = (id: number, version: number) => `/api/v1/documents/${id}/thumbnail?v=${version}`;
