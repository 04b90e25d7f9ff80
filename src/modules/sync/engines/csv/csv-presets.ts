import type { EntityMapping } from './csv-mapping';

/**
 * Built-in mappings. `maven-crm` reads the "CRM + Sales + Opportunities" export (demo-data/) as it
 * is, dirt included: product names are matched by key ("GTXPro" = "GTX Pro"), sectors against the
 * industry list ("technolgy" = technology), open deals keep their missing account, close date
 * and value as nulls, and a Prospecting deal's missing engage date is simply no created date.
 * Revenue is in millions of USD in the export; segments come from the number of employees.
 * Reps and managers have no ids in the export, so their key (the name) is their id.
 */
export const CSV_PRESETS: Record<string, Record<string, EntityMapping>> = {
  'maven-crm': {
    users: {
      file: 'sales_teams.csv',
      records: [
        {
          external_id: { column: 'sales_agent', as: 'key' },
          fields: {
            name: 'sales_agent',
            role: { value: 'rep' },
            manager_external_id: { column: 'manager', as: 'key' },
            team: 'manager',
            office: 'regional_office',
          },
        },
        {
          external_id: { column: 'manager', as: 'key' },
          fields: {
            name: 'manager',
            role: { value: 'manager' },
            team: 'manager',
            office: 'regional_office',
          },
        },
      ],
    },
    accounts: {
      file: 'accounts.csv',
      records: [
        {
          external_id: { column: 'account', as: 'key' },
          fields: {
            name: 'account',
            industry: { column: 'sector', as: 'industry' },
            year_established: { column: 'year_established', as: 'int' },
            annual_revenue: { column: 'revenue', as: 'money', multiplier: 1_000_000 },
            employees: { column: 'employees', as: 'int' },
            segment: { column: 'employees', as: 'segment_by_employees' },
            country: 'office_location',
            parent_external_id: { column: 'subsidiary_of', as: 'key' },
          },
        },
      ],
    },
    products: {
      file: 'products.csv',
      records: [
        {
          external_id: { column: 'product', as: 'key' },
          fields: {
            name: 'product',
            family: 'series',
            list_price: { column: 'sales_price', as: 'money' },
          },
        },
      ],
    },
    opportunities: {
      file: 'sales_pipeline.csv',
      records: [
        {
          external_id: 'opportunity_id',
          fields: {
            name: { template: '{account} - {product}', fallback: '{product} - {opportunity_id}' },
            owner_external_id: { column: 'sales_agent', as: 'key' },
            account_external_id: { column: 'account', as: 'key' },
            product_external_id: { column: 'product', as: 'key' },
            stage: 'deal_stage',
            status: {
              column: 'deal_stage',
              map: { Prospecting: 'open', Engaging: 'open', Won: 'won', Lost: 'lost' },
            },
            amount: { column: 'close_value', as: 'money' },
            close_date: { column: 'close_date', as: 'date' },
            created_date: { column: 'engage_date', as: 'date' },
          },
          changed_at: {
            coalesce: [
              { column: 'close_date', as: 'date' },
              { column: 'engage_date', as: 'date' },
            ],
          },
        },
      ],
    },
  },
};
