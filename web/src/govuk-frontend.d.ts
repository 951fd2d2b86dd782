// Type declarations for the parts of govuk-frontend the UI uses (the package ships none).
declare module 'govuk-frontend' {
  export class SkipLink {
    constructor(root: Element);
  }
  export class ServiceNavigation {
    constructor(root: Element);
  }
  export function createAll(component: unknown, config?: unknown, scope?: Element): unknown[];
}
