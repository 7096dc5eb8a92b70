// A node's icon, drawn from the built-in set of model/icons.

import { memo } from 'react';
import { iconPath } from '../model/icons';

export const Icon = memo(function Icon({ name }: { name: string }) {
  return (
    <svg className="fg-node-icon-svg" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" data-icon={name}>
      <path d={iconPath(name)} fill="none" stroke="#fff" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
});
