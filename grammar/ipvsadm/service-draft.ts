/** A service while its listing is read: real servers are appended; /proc's hex fwmark is decoded at the end. */
import type { IpvsDestination, IpvsService } from '../../src/model/ipvs';

export type ServiceDraft = { -readonly [K in keyof IpvsService]: IpvsService[K] } & {
  destinations: IpvsDestination[];
  fwmarkText?: string;
};
